# Multi-stage build: a static servicebot binary on a distroless base, run as
# a non-root user. SQLite is pure Go (modernc.org/sqlite): no cgo needed.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/servicebot ./cmd/servicebot

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/servicebot /usr/local/bin/servicebot
COPY config.example.yaml /etc/servicebot/config.example.yaml
USER nonroot:nonroot
WORKDIR /home/nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/servicebot"]
CMD ["serve"]
