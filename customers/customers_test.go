package customers_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/customers"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// start is when every test's import clock starts; each test has a clock of
// its own (they run in parallel).
var start = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func importer(db *store.DB) *customers.Importer {
	return importerAt(db, testclock.At(start))
}

// importerWithCustomers is an importer over db after the good customers
// were imported, as the equipment they own needs.
func importerWithCustomers(t *testing.T, db *store.DB) *customers.Importer {
	t.Helper()
	im := importer(db)
	if _, err := im.Import(t.Context(), customers.KindCustomers, "c.csv", []byte(goodCustomersCSV()), true); err != nil {
		t.Fatal(err)
	}
	return im
}

func importerAt(db *store.DB, clock *testclock.Clock) *customers.Importer {
	return customers.NewImporter(db.InTx, customers.ImportConfig{Clock: clock})
}

const customersCSV = "\xef\xbb\xbf客户名称,客户类别,区域,地址,联系人,联系电话,负责工程师\n" +
	"成都精工机械,重点客户,西南,成都市高新区,王经理,13800138000,zhangwei\n" +
	"重庆重工,一般客户,西南,重庆市,李工,023-61234567,\n" +
	",一般客户,西南,,,,\n" + // row 4: no name
	"昆明机床,VIP,西南,,,,\n" + // row 5: unknown tier
	"成都精工机械,一般客户,西南,,,,\n" + // row 6: duplicate
	"北京装备,一般客户,华北东北,,赵工,12345,\n" + // row 7: bad phone
	"沈阳机械,,东北,,,,\n" + // row 8: unknown region
	"哈尔滨重工,,华北东北,,,,\n"

func goodCustomersCSV() string {
	var keep []string
	for i, line := range strings.Split(customersCSV, "\n") {
		if i+1 < 4 || i+1 > 8 {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// Must show 2: a dry run on a file with good and bad rows reports each bad
// row with its reason and changes nothing; a real import is idempotent.
func TestImport_DryRunListsBadRowsAndChangesNothing_CommitIsIdempotent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clock := testclock.At(start)
		im := importerAt(db, clock)

		for _, commit := range []bool{false, true} {
			rep, err := im.Import(ctx, customers.KindCustomers, "客户.csv", []byte(customersCSV), commit)
			if err != nil {
				t.Fatal(err)
			}
			var rows []int
			for _, p := range rep.Problems {
				rows = append(rows, p.Row)
			}
			if !slices.Equal(rows, []int{4, 5, 6, 7, 8}) || rep.Committed {
				t.Fatalf("commit=%v: problems %v (committed %v), want rows 4–8 and nothing imported", commit, rep.Problems, rep.Committed)
			}
			for i, want := range []string{"客户名称为空", "客户类别「VIP」无法识别", "与第2行重复", "联系电话「12345」格式不正确", "区域「东北」不存在"} {
				if !strings.Contains(rep.Problems[i].Reason, want) {
					t.Errorf("row %d: reason %q lacks %q", rep.Problems[i].Row, rep.Problems[i].Reason, want)
				}
			}
			if cs := stored(t, db); len(cs) != 0 {
				t.Fatalf("a file with bad rows stored %d customers", len(cs))
			}
		}

		good := []byte(goodCustomersCSV())
		dry, err := im.Import(ctx, customers.KindCustomers, "客户.csv", good, false)
		if err != nil || len(dry.Problems) != 0 || dry.Counts != (servicebot.ImportCounts{Created: 3}) || dry.Committed {
			t.Fatalf("dry run of the good rows: %+v %v: want 3 to create, nothing stored", dry, err)
		}
		if cs := stored(t, db); len(cs) != 0 {
			t.Fatalf("the dry run stored %d customers", len(cs))
		}

		first, err := im.Import(ctx, customers.KindCustomers, "客户.csv", good, true)
		if err != nil || !first.Committed || first.Counts != (servicebot.ImportCounts{Created: 3}) {
			t.Fatalf("first import: %+v %v", first, err)
		}
		after1 := stored(t, db)
		clock.Add(time.Hour)
		second, err := im.Import(ctx, customers.KindCustomers, "客户.csv", good, true)
		if err != nil || second.Counts != (servicebot.ImportCounts{Unchanged: 3}) {
			t.Fatalf("second import: %+v %v: want all unchanged", second, err)
		}
		if after2 := stored(t, db); !slices.Equal(after1, after2) {
			t.Fatalf("the second import changed the data:\n%v\n%v", after1, after2)
		}
		want := servicebot.Customer{Name: "成都精工机械", Tier: servicebot.TierKey, Region: "西南", Address: "成都市高新区",
			Contact: "王经理", Phone: "13800138000", Engineer: "zhangwei"}
		if got := after1[slices.IndexFunc(after1, func(c servicebot.Customer) bool { return c.Name == want.Name })]; got != want {
			t.Errorf("stored %+v, want %+v", got, want)
		}
	})
}

// stored is every customer without ids and times (the data an import sets).
func stored(t *testing.T, db *store.DB) []servicebot.Customer {
	t.Helper()
	cs, err := db.Customers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range cs {
		cs[i].ID, cs[i].CreatedAt, cs[i].UpdatedAt = 0, time.Time{}, time.Time{}
	}
	return cs
}

func equipmentXLSX(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Equipment from Excel: bad rows are listed, good ones import once, and the
// warranty end read from the file decides the warranty state.
func TestImport_EquipmentFromExcel(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		im := importerWithCustomers(t, db)
		header := []any{"客户名称", "设备型号", "出厂编号", "出厂日期", "保修截止"}
		bad := equipmentXLSX(t, [][]any{header,
			{"成都精工机械", "XK-500", "SN001", "2025-03-01", "2027-02-28"},
			{"无名公司", "XK-500", "SN002", "2025-03-01", "2027-02-28"}, // row 3: unknown customer
			{"重庆重工", "", "SN003", "2025/3/1", ""},                   // row 4: no model
			{"重庆重工", "XK-300", "SN001", "", ""},                     // row 5: duplicate serial
			{"重庆重工", "XK-300", "SN004", "2025-13-45", "2024-01-01"}, // row 6: bad date
		})
		rep, err := im.Import(ctx, customers.KindEquipment, "设备.xlsx", bad, true)
		if err != nil {
			t.Fatal(err)
		}
		var rows []int
		for _, p := range rep.Problems {
			rows = append(rows, p.Row)
		}
		if !slices.Equal(rows, []int{3, 4, 5, 6}) || rep.Committed {
			t.Fatalf("problems %v", rep.Problems)
		}
		good := equipmentXLSX(t, [][]any{header,
			{"成都精工机械", "XK-500", "SN001", "2025-03-01", "2027-02-28"},
			{"重庆重工", "XK-300", "SN004", "2020年1月2日", "2022/1/1"},
		})
		for i, want := range []servicebot.ImportCounts{{Created: 2}, {Unchanged: 2}} {
			rep, err := im.Import(ctx, customers.KindEquipment, "设备.xlsx", good, true)
			if err != nil || rep.Counts != want {
				t.Fatalf("import %d: %+v %v, want %+v", i+1, rep, err, want)
			}
		}
		es, err := db.Equipment(ctx)
		if err != nil || len(es) != 2 {
			t.Fatalf("equipment %v %v", es, err)
		}
		today := servicebot.NewDate(2026, 11, 2)
		if es[0].Serial != "SN001" || es[0].WarrantyOn(today) != servicebot.WarrantyIn ||
			es[1].WarrantyOn(today) != servicebot.WarrantyOut || es[1].FactoryDate != servicebot.NewDate(2020, 1, 2) {
			t.Errorf("equipment %+v", es)
		}
	})
}

// Must show 2 (issue 16 item 4): imports never erase. After a full import,
// (a) an Excel file whose 保修截止 is a formula without a computed value is
// refused row by row and changes nothing; (b) a file without the 保修截止
// or 客户类别 columns, or with empty cells there, keeps the stored values
// (a key customer stays key); (c) a GBK CSV (Excel's default on Chinese
// Windows) is read, not refused as 缺少列; (d) the dry run names every row
// and field it would change, old and new.
func TestImport_NeverErases_FormulasMissingColumnsGBK(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		im := importerWithCustomers(t, db)
		full := equipmentXLSX(t, [][]any{{"客户名称", "设备型号", "出厂编号", "出厂日期", "保修截止"},
			{"成都精工机械", "XK-500", "SN001", "2025-03-01", "2027-02-28"},
			{"重庆重工", "XK-300", "SN004", "2024-01-02", "2026-01-01"},
		})
		if rep, err := im.Import(ctx, customers.KindEquipment, "设备.xlsx", full, true); err != nil || !rep.Committed {
			t.Fatalf("first import %+v %v", rep, err)
		}
		equipmentBefore, err := db.Equipment(ctx)
		if err != nil {
			t.Fatal(err)
		}
		customersBefore := stored(t, db)

		// (a) A generated sheet: =EDATE(…) for 保修截止 with no cached value.
		f := excelize.NewFile()
		for i, row := range [][]any{{"客户名称", "设备型号", "出厂编号", "出厂日期", "保修截止"},
			{"成都精工机械", "XK-500", "SN001", "2025-03-01"}, {"重庆重工", "XK-300", "SN004", "2024-01-02"}} {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
				t.Fatal(err)
			}
		}
		for _, cell := range []string{"E2", "E3"} {
			if err := f.SetCellFormula("Sheet1", cell, "EDATE(D"+cell[1:]+",24)"); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		for _, commit := range []bool{false, true} {
			rep, err := im.Import(ctx, customers.KindEquipment, "generated.xlsx", buf.Bytes(), commit)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Problems) != 2 || rep.Committed || !strings.Contains(rep.Problems[0].String(), "第2行：「保修截止」是公式 =EDATE(D2,24)") {
				t.Fatalf("formula cells without values (commit=%v): %+v", commit, rep)
			}
		}

		// (b) Missing columns and empty cells leave stored values alone.
		noWarranty := "客户名称,设备型号,出厂编号\n成都精工机械,XK-500,SN001\n重庆重工,XK-300S,SN004\n"
		rep, err := im.Import(ctx, customers.KindEquipment, "no-warranty.csv", []byte(noWarranty), false)
		if err != nil {
			t.Fatal(err)
		}
		var report strings.Builder
		if err := customers.WriteReport(&report, rep); err != nil {
			t.Fatal(err)
		}
		// (d) The dry run names the one row and field it would change.
		if rep.Counts != (servicebot.ImportCounts{Updated: 1, Unchanged: 1}) ||
			!strings.Contains(report.String(), "第3行：更新「SN004」：设备型号 XK-300 → XK-300S") ||
			strings.Contains(report.String(), "第2行") || strings.Contains(report.String(), "保修截止") {
			t.Fatalf("dry run without the 保修截止 column:\n%s", report.String())
		}
		if _, err := im.Import(ctx, customers.KindEquipment, "no-warranty.csv", []byte(noWarranty), true); err != nil {
			t.Fatal(err)
		}
		emptyCells := "客户名称,设备型号,出厂编号,出厂日期,保修截止\n成都精工机械,XK-500,SN001,,\n"
		if _, err := im.Import(ctx, customers.KindEquipment, "empty.csv", []byte(emptyCells), true); err != nil {
			t.Fatal(err)
		}
		equipmentAfter, err := db.Equipment(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i := range equipmentBefore {
			want := equipmentBefore[i]
			if want.Serial == "SN004" {
				want.Model = "XK-300S"
			}
			if equipmentAfter[i] != want {
				t.Errorf("machine after re-imports %+v, want %+v", equipmentAfter[i], want)
			}
		}
		noTier := "客户名称,联系人\n成都精工机械,\n重庆重工,张工\n"
		if _, err := im.Import(ctx, customers.KindCustomers, "no-tier.csv", []byte(noTier), true); err != nil {
			t.Fatal(err)
		}
		customersAfter := stored(t, db)
		for i, want := range customersBefore {
			if want.Name == "重庆重工" {
				want.Contact = "张工"
			}
			if customersAfter[i] != want {
				t.Errorf("customer after an import without 客户类别: %+v, want %+v", customersAfter[i], want)
			}
		}

		// (c) A GBK CSV, as Excel on Chinese Windows saves it.
		gbk, err := simplifiedchinese.GBK.NewEncoder().String("客户名称,客户类别,区域,联系人\n昆明机床,重点客户,西南,段经理\n成都精工机械,,,\n")
		if err != nil {
			t.Fatal(err)
		}
		rep, err = im.Import(ctx, customers.KindCustomers, "客户-gbk.csv", []byte(gbk), true)
		if err != nil || len(rep.Problems) != 0 || rep.Encoding != "GB18030" ||
			rep.Counts != (servicebot.ImportCounts{Created: 1, Unchanged: 1}) {
			t.Fatalf("GBK import: %+v %v", rep, err)
		}
		var km servicebot.Customer
		for _, c := range stored(t, db) {
			if c.Name == "昆明机床" {
				km = c
			}
		}
		if km.Tier != servicebot.TierKey || km.Region != "西南" || km.Contact != "段经理" {
			t.Errorf("GBK row stored as %+v", km)
		}
	})
}

// Issue 16 item 6: 负责工程师 takes an engineer's userid or name; anyone
// else is a bad row, not a customer reminded to nobody.
func TestImport_UnknownEngineerRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		im := customers.NewImporter(db.InTx, customers.ImportConfig{Clock: testclock.At(start),
			Engineers: func(context.Context) ([]servicebot.Member, error) {
				return []servicebot.Member{{UserID: "zhangwei", Name: "张伟"}, {UserID: "liqiang", Name: "李强"}}, nil
			}})
		file := "客户名称,负责工程师\n甲厂,zhangwei\n乙厂,李强\n丙厂,zhangwie\n丁厂,王五\n"
		rep, err := im.Import(t.Context(), customers.KindCustomers, "c.csv", []byte(file), true)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Problems) != 2 || rep.Problems[0].Row != 4 || rep.Problems[1].Row != 5 || rep.Committed {
			t.Fatalf("problems %v", rep.Problems)
		}
		file = "客户名称,负责工程师\n甲厂,zhangwei\n乙厂,李强\n"
		if rep, err = im.Import(t.Context(), customers.KindCustomers, "c.csv", []byte(file), true); err != nil || !rep.Committed {
			t.Fatalf("%+v %v", rep, err)
		}
		for _, c := range stored(t, db) {
			if want := map[string]string{"甲厂": "zhangwei", "乙厂": "liqiang"}[c.Name]; c.Engineer != want {
				t.Errorf("%s's engineer %q, want %q (the name stored as the userid)", c.Name, c.Engineer, want)
			}
		}
	})
}
