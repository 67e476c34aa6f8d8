-- +goose Up
-- sim_records keep what `servicebot demo`'s WeCom simulator shows on its
-- /sim page, so a restarted demo shows the earlier conversations: the
-- messages the bot sent, what members sent, the cards as members now see
-- them and the group chats. kind says which ('sent', 'inbound', 'card',
-- 'chat'); name is its key within the kind; body is the simulator's JSON.
-- Only the demo writes here; `serve` talks to real WeCom.
CREATE TABLE sim_records (
    id   BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind <> ''),
    name TEXT NOT NULL CHECK (name <> ''),
    body TEXT NOT NULL,
    UNIQUE (kind, name)
);

-- +goose Down
DROP TABLE sim_records;
