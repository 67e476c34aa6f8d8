package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/config"
)

const groupAbout = `Creates the department's app group chat and prints its chat id for group.chat_id.
WeCom shows no chat id in its admin console: an app group chat exists only
through the API, and only for an app visible to the root department.
Members default to the synced after-sales engineers, the service manager,
the VP in charge and the archivist (run ` + "`servicebot sync`" + ` first).
`

// cmdGroup is `servicebot group create`.
func cmdGroup(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	const synopsis = "servicebot group create --name NAME --owner USERID [--members a,b,c] [--chat-id ID] [--config FILE]"
	if len(args) > 0 && isHelp(args[0]) {
		subcommands(stdout, "group", synopsis)
		return nil
	}
	if len(args) == 0 || args[0] != "create" {
		subcommands(stderr, "group", synopsis)
		return usageError{errors.New("group: want create")}
	}
	fs := newCommand("group create", synopsis, groupAbout,
		"servicebot group create --config /etc/servicebot.yaml --name 售后服务部 --owner sunli", 0, stdout, stderr)
	name := fs.String("name", "售后服务部", "the group's name")
	owner := fs.String("owner", "", "userid of the group's owner (e.g. the service manager)")
	membersFlag := fs.String("members", "", "comma-separated userids (default: the department, see above)")
	chatID := fs.String("chat-id", "", "the chat id to ask for (default: WeCom chooses)")
	cfg, verr := loadConfig(ctx, fs, args[1:], lookup, allBut(config.SectionListen, config.SectionRedis)...)
	if errors.As(verr, new(usageError)) {
		return verr
	}
	if *owner == "" {
		return fs.fail(errors.New("group create: --owner is required"))
	}
	cfg.MetricsAddr = "" // one call to WeCom: nothing to serve
	// One call: the token cache of this process is enough, no Redis.
	db, logger, err := openStore(ctx, cfg, verr, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	members := splitIDs(*membersFlag)
	if len(members) == 0 {
		engineers, err := db.Engineers(ctx, cfg.Org)
		if err != nil {
			return err
		}
		for _, e := range engineers {
			members = append(members, e.UserID)
		}
		for _, role := range []servicebot.Role{servicebot.RoleServiceManager, servicebot.RoleVPAfterSales, servicebot.RoleArchivist} {
			members = append(members, cfg.Org.Holders(role)...)
		}
	}
	if !slices.Contains(members, *owner) {
		members = append(members, *owner)
	}
	slices.Sort(members)
	members = slices.Compact(members)
	if len(members) < 2 {
		return fmt.Errorf("group: a group needs at least 2 members, got %v (run `servicebot sync`, or give --members)", members)
	}
	a, err := newApp(cfg, db, nil, servicebot.SystemClock{}, logger, tuning{})
	if err != nil {
		return err
	}
	defer a.close(context.WithoutCancel(ctx))
	id, err := a.client.CreateAppChat(ctx, *name, *owner, members, *chatID)
	if err != nil {
		return fmt.Errorf("group: create: %w", err)
	}
	fmt.Fprintf(stdout, "created %q with %d members: %s\nchat_id: %s\n\nPut it in the configuration:\n  group:\n    chat_id: %q\n",
		*name, len(members), strings.Join(members, ", "), id, id)
	return nil
}

// splitIDs reads userids separated by commas, | or spaces.
func splitIDs(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '|' || r == ' ' })
}
