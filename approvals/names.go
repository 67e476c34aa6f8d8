package approvals

import (
	"context"
	"errors"
	"fmt"

	"github.com/servicebot/servicebot"
)

// nameOf is how a text people read calls userID: their name in the synced
// address book, or the userid itself when the address book does not know
// them. It reads through tx: on SQLite the open transaction holds the write
// lock, and a read through the pool would wait for it forever.
func nameOf(ctx context.Context, tx Tx, userID string) (string, error) {
	if userID == "" {
		return "", nil
	}
	m, err := tx.GetMember(ctx, userID)
	switch {
	case errors.Is(err, servicebot.ErrNotFound):
		return userID, nil
	case err != nil:
		return "", fmt.Errorf("approvals: name of %s: %w", userID, err)
	}
	if m.Name == "" {
		return userID, nil
	}
	return m.Name, nil
}

// namesOf looks up the names of users, for a text naming several of them.
func namesOf(ctx context.Context, tx Tx, users ...string) (map[string]string, error) {
	names := make(map[string]string, len(users))
	for _, u := range users {
		if _, done := names[u]; done {
			continue
		}
		n, err := nameOf(ctx, tx, u)
		if err != nil {
			return nil, err
		}
		names[u] = n
	}
	return names, nil
}

// participants are the userids a request's texts and cards may name.
func participants(a servicebot.Approval) []string {
	users := []string{a.Request.Requester, a.Request.Subject}
	for _, s := range a.Steps {
		users = append(users, s.ApproverID, s.DelegatedFrom, s.EscalatedFrom)
		if s.Action == servicebot.ActionDispatch {
			users = append(users, s.Choice)
		}
	}
	return users
}

// nameIn reads a name from names, falling back to the userid.
func nameIn(names map[string]string, userID string) string {
	if n, ok := names[userID]; ok && n != "" {
		return n
	}
	return userID
}
