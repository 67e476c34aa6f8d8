package wecomsim

import (
	"io"
	"net/http"
	"strings"
)

// maxPageMedia bounds one upload from the page (WeCom: images 10 MB, voice 2 MB).
const maxPageMedia = 10 << 20

// PresetPlace is a place the page offers for a location message.
type PresetPlace struct {
	Name     string  `json:"name"`
	Label    string  `json:"label"`
	Lat, Lng float64 `json:"-"`
}

// PresetPlaces are the cities of the demo department's regions (R-ORG-2).
func PresetPlaces() []PresetPlace {
	return []PresetPlace{
		{"成都", "四川省成都市武侯区天府大道", 30.57, 104.07},
		{"重庆", "重庆市渝北区金开大道", 29.72, 106.63},
		{"昆明", "云南省昆明市官渡区春城路", 25.02, 102.74},
		{"贵阳", "贵州省贵阳市观山湖区长岭北路", 26.63, 106.63},
		{"北京", "北京市朝阳区建国路", 39.91, 116.47},
		{"沈阳", "辽宁省沈阳市铁西区北二中路", 41.80, 123.35},
		{"哈尔滨", "黑龙江省哈尔滨市南岗区中山路", 45.76, 126.66},
		{"武汉", "湖北省武汉市江汉区建设大道", 30.60, 114.27},
		{"西安", "陕西省西安市雁塔区科技路", 34.23, 108.89},
	}
}

func (s *Sim) mediaRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /sim/api/places", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, struct {
			Places []PresetPlace `json:"places"`
		}{PresetPlaces()})
	})
	mux.HandleFunc("POST /sim/api/location", s.apiLocation)
	mux.HandleFunc("POST /sim/api/media", s.apiMedia)
	mux.HandleFunc("GET /sim/media/{id}", s.serveMedia)
}

func (s *Sim) apiLocation(w http.ResponseWriter, r *http.Request) {
	var req struct {
		User  string `json:"user"`
		Place string `json:"place"`
	}
	if !s.decodePageRequest(w, r, &req) {
		return
	}
	if _, found := s.member(req.User); !found {
		writeJSON(w, http.StatusNotFound, pageAnswer{Error: "没有这个成员"})
		return
	}
	for _, p := range PresetPlaces() {
		if p.Name == req.Place {
			d, err := s.SendLocation(r.Context(), req.User, p.Lat, p.Lng, p.Label)
			answerDelivery(w, d, err, "")
			return
		}
	}
	writeJSON(w, http.StatusBadRequest, pageAnswer{Error: "没有这个地点"})
}

// apiMedia takes a photo or a voice clip from the page's file picker
// (multipart: user, kind image|voice, file), keeps it under a new MediaId and
// delivers the image or voice message.
func (s *Sim) apiMedia(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxPageMedia+64<<10)
	user, kind := r.FormValue("user"), r.FormValue("kind")
	if _, found := s.member(user); !found {
		writeJSON(w, http.StatusNotFound, pageAnswer{Error: "没有这个成员"})
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		writeJSON(w, http.StatusBadRequest, pageAnswer{Error: "请选择文件（不超过 10 MB）"})
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPageMedia+1))
	if err != nil || len(data) == 0 || len(data) > maxPageMedia {
		writeJSON(w, http.StatusBadRequest, pageAnswer{Error: "文件为空或超过 10 MB"})
		return
	}
	ctype := hdr.Header.Get("Content-Type")
	if ctype == "" {
		ctype = http.DetectContentType(data)
	}
	switch {
	case kind == "image" && strings.HasPrefix(ctype, "image/"):
	case kind == "voice" && (strings.HasPrefix(ctype, "audio/") || ctype == "application/octet-stream"):
	default:
		writeJSON(w, http.StatusBadRequest, pageAnswer{Error: "文件类型不对：照片请选图片，语音请选音频"})
		return
	}
	// Kept as WeCom keeps what a member sends: media/get serves it for
	// three days.
	id := s.UploadMedia(data, ctype)
	s.mu.Lock()
	base := s.callbackURL
	s.mu.Unlock()
	var d Delivery
	if kind == "image" {
		// PicUrl is where WeCom's own copy of the photo is; ours is here.
		d, err = s.SendImage(r.Context(), user, pageMediaURL(base, id), id)
	} else {
		d, err = s.SendVoice(r.Context(), user, id)
	}
	answerDelivery(w, d, err, "")
}

// pageMediaURL is the address of a kept media file, on the host the bot's
// callback is (the simulator shares it in the demo).
func pageMediaURL(callbackURL, id string) string {
	base := callbackURL
	if i := strings.Index(base, "://"); i >= 0 {
		if j := strings.Index(base[i+3:], "/"); j >= 0 {
			base = base[:i+3+j]
		}
	}
	return base + "/sim/media/" + id
}

func (s *Sim) serveMedia(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	m, found := s.media[r.PathValue("id")]
	s.mu.Unlock()
	if !found {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", m.contentType)
	_, _ = w.Write(m.data)
}
