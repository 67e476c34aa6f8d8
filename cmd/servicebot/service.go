package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/customers"
)

// cmdImport imports customers or equipment from an .xlsx or .csv file:
//
//	servicebot import customers|equipment FILE [--commit] [--config FILE]
//
// Without --commit it is a dry run: every bad row is listed with its reason
// and nothing is stored.
func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	const importUsage = "usage: servicebot import customers|equipment FILE [--commit] [--config FILE]\n"
	if len(args) < 2 || (args[0] != customers.KindCustomers && args[0] != customers.KindEquipment) || args[1] == "" || args[1][0] == '-' {
		fmt.Fprint(stderr, importUsage)
		return usageError{errors.New("import: want customers or equipment and a file")}
	}
	kind, path := args[0], args[1]
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commit := fs.Bool("commit", false, "store the rows (default: a dry run that stores nothing)")
	cfg, verr := loadConfig(ctx, fs, args[2:], lookup)
	if errors.As(verr, new(usageError)) {
		return verr
	}
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return usageError{err}
	}
	db, _, err := openStore(ctx, cfg, onlyDatabaseProblems(verr), stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	regions := []string{servicebot.RegionSouthwest, servicebot.RegionNorth, servicebot.RegionOther}
	for _, r := range cfg.Org.Regions {
		if !slices.Contains(regions, r) {
			regions = append(regions, r)
		}
	}
	im := &customers.Importer{InTx: customers.AdaptTx(db.InTx), Clock: servicebot.SystemClock{}, Regions: regions,
		Engineers: func(ctx context.Context) ([]servicebot.Member, error) { return db.Engineers(ctx, cfg.Org) }}
	rep, err := im.Import(ctx, kind, path, data, *commit)
	if err != nil {
		return err
	}
	if err := customers.WriteReport(stdout, rep); err != nil {
		return err
	}
	if len(rep.Problems) > 0 {
		return usageError{fmt.Errorf("import: %d bad row(s)", len(rep.Problems))}
	}
	return nil
}
