package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

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
	fs := newCommand("import", "servicebot import customers|equipment FILE.xlsx|FILE.csv [--commit] [--config FILE]",
		importAbout(), "servicebot import customers 客户清单.xlsx --config data/demo.yaml\n"+
			"servicebot import customers 客户清单.xlsx --config data/demo.yaml --commit", 2, stdout, stderr)
	commit := fs.Bool("commit", false, "store the rows (default: a dry run that stores nothing)")
	cfg, verr := loadConfig(ctx, fs, args, lookup, databaseOnly()...)
	if errors.As(verr, new(usageError)) {
		return verr
	}
	if fs.NArg() != 2 || (fs.Arg(0) != customers.KindCustomers && fs.Arg(0) != customers.KindEquipment) {
		return fs.fail(errors.New("import: want customers or equipment, and a file"))
	}
	kind, path := fs.Arg(0), fs.Arg(1)
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return usageError{err}
	}
	db, _, err := openStore(ctx, cfg, verr, stderr)
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
	im := customers.NewImporter(db.InTx, customers.ImportConfig{Regions: regions,
		Engineers: func(ctx context.Context) ([]servicebot.Member, error) { return db.Engineers(ctx, cfg.Org) }})
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

// importAbout is the help of `servicebot import`: what the files look like,
// from the importer's own list of columns.
func importAbout() string {
	var b strings.Builder
	b.WriteString("Imports the customer list or the equipment list from an .xlsx (first sheet) or .csv file\n" +
		"whose first row names the columns. Without --commit it is a dry run: every bad row is listed\n" +
		"with its line and reason, and nothing is stored; with --commit all good rows are stored.\n")
	for _, kind := range []string{customers.KindCustomers, customers.KindEquipment} {
		fmt.Fprintf(&b, "\nColumns of a %s file (* required; any of the names):\n", kind)
		for _, c := range customers.Columns(kind) {
			mark := " "
			if c.Required {
				mark = "*"
			}
			fmt.Fprintf(&b, "  %s %s\n", mark, strings.Join(c.Names, " / "))
		}
	}
	b.WriteString("\n客户类别: 重点客户 (大客户) or 一般客户; 区域: 西南, 华北东北, 其他 or a region of org.regions;\n" +
		"dates 2026-11-30.")
	return b.String()
}
