// Package customers imports the department's customers and their equipment
// from an Excel (.xlsx) or CSV file. A dry run checks every row and lists
// each bad one with its reason, and says what a real import would create or
// change, without changing anything; the real import matches customers by
// name and machines by serial number, so running it twice changes nothing
// the second time. A file with any bad row imports nothing: fix the rows
// and run it again.
//
// An import never erases (issue 16): an empty cell, or a column the file
// lacks, leaves the stored value as it is; a formula cell whose file holds
// no computed value (a generated sheet never opened in Excel) is a bad row,
// not a blank. The dry run names every row it would create and every field
// it would change, old and new. A CSV may be UTF-8 or GBK/GB18030, the
// encoding Excel writes on Chinese Windows.
package customers

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/internal/txn"
)

// Kinds of file an import takes.
const (
	KindCustomers = "customers"
	KindEquipment = "equipment"
)

// Tx is what an import writes through (*store.Tx).
type Tx interface {
	UpsertCustomers(ctx context.Context, cs []servicebot.Customer, now time.Time) (servicebot.ImportCounts, error)
	UpsertEquipment(ctx context.Context, es []servicebot.Equipment, now time.Time) (servicebot.ImportCounts, error)
	CustomerByName(ctx context.Context, name string) (servicebot.Customer, error)
	EquipmentBySerial(ctx context.Context, serial string) (servicebot.Equipment, error)
}

// Problem is one bad row: its number in the file (the header is row 1) and
// why, in Chinese.
type Problem struct {
	Row    int
	Reason string
}

func (p Problem) String() string { return fmt.Sprintf("第%d行：%s", p.Row, p.Reason) }

// Report is what an import found and did.
type Report struct {
	Kind     string
	Rows     int       // data rows read
	Encoding string    // "GB18030" when a CSV was read as GBK/GB18030
	Problems []Problem // every bad row, in file order
	Counts   servicebot.ImportCounts
	// Changes are the rows the import creates or changes, in file order,
	// each with the fields it changes.
	Changes   []RowChange
	Committed bool // false for a dry run, or when a bad row stopped the import
}

// RowChange is one row an import creates or changes.
type RowChange struct {
	Row     int
	Key     string // the customer's name, the machine's serial number
	Created bool
	Fields  []servicebot.FieldChange // of a changed row
}

func (c RowChange) String() string {
	if c.Created {
		return fmt.Sprintf("第%d行：新增「%s」", c.Row, c.Key)
	}
	parts := make([]string, len(c.Fields))
	for i, f := range c.Fields {
		old := f.Old
		if old == "" {
			old = "（空）"
		}
		parts[i] = fmt.Sprintf("%s %s → %s", f.Field, old, f.New)
	}
	return fmt.Sprintf("第%d行：更新「%s」：%s", c.Row, c.Key, strings.Join(parts, "；"))
}

// Importer imports files into the store.
type Importer struct {
	inTx txn.Runner[Tx]
	cfg  ImportConfig
}

// ImportConfig is how an Importer checks and stamps rows; every field is
// optional.
type ImportConfig struct {
	Clock servicebot.Clock
	// Regions are the regions a customer may be in (R-ORG-2); an empty
	// cell is 其他 for a new customer.
	Regions []string
	// Engineers, when set, lists who may be a customer's 负责工程师: the
	// column takes their userid or name, and anyone else is a bad row. An
	// empty list (no address book synced yet) checks nothing.
	Engineers func(ctx context.Context) ([]servicebot.Member, error)
}

func (c ImportConfig) withDefaults() ImportConfig {
	if c.Clock == nil {
		c.Clock = servicebot.SystemClock{}
	}
	return c
}

// NewImporter makes an Importer writing in the transactions inTx runs
// (*store.DB's InTx).
func NewImporter[T Tx](inTx txn.Runner[T], cfg ImportConfig) *Importer {
	return &Importer{inTx: txn.Narrow(inTx, func(t T) Tx { return t }), cfg: cfg.withDefaults()}
}

// errDryRun rolls back the transaction of a dry run.
var errDryRun = errors.New("customers: dry run")

// Import reads the file (by its name's extension: .xlsx or .csv) and
// imports its rows of kind. Without commit nothing is stored; Counts says
// what a real import would do. With commit the rows are stored only when
// none is bad.
func (im *Importer) Import(ctx context.Context, kind, filename string, data []byte, commit bool) (Report, error) {
	tab, err := readTable(filename, data)
	if err != nil {
		return Report{}, err
	}
	rows := tab.rows
	var engineers []servicebot.Member
	if im.cfg.Engineers != nil && kind == KindCustomers {
		if engineers, err = im.cfg.Engineers(ctx); err != nil {
			return Report{}, err
		}
		if len(engineers) == 0 {
			engineers = nil // no address book synced yet: nobody to check against
		}
	}
	rep := Report{Kind: kind, Encoding: tab.encoding}
	now := im.cfg.Clock.Now()
	err = im.inTx(ctx, func(tx Tx) error {
		var err error
		switch kind {
		case KindCustomers:
			cs, problems := im.parseCustomers(tab, engineers)
			rep.Rows, rep.Problems = len(rows)-1, problems
			if len(problems) == 0 {
				var merged []servicebot.Customer
				if merged, rep.Changes, err = mergeCustomers(ctx, tx, cs); err != nil {
					return err
				}
				rep.Counts, err = tx.UpsertCustomers(ctx, merged, now)
			}
		case KindEquipment:
			es, problems := parseEquipment(tab)
			var unknown []Problem
			if unknown, err = unknownCustomers(ctx, tx, es); err != nil {
				return err
			}
			problems = append(problems, unknown...)
			slices.SortStableFunc(problems, func(a, b Problem) int { return a.Row - b.Row })
			rep.Rows, rep.Problems = len(rows)-1, problems
			if len(problems) == 0 {
				var merged []servicebot.Equipment
				if merged, rep.Changes, err = mergeEquipment(ctx, tx, es); err != nil {
					return err
				}
				rep.Counts, err = tx.UpsertEquipment(ctx, merged, now)
			}
		default:
			return fmt.Errorf("customers: unknown import kind %q (want %s or %s)", kind, KindCustomers, KindEquipment)
		}
		if err != nil {
			return err
		}
		if !commit || len(rep.Problems) > 0 {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		if len(rep.Problems) > 0 {
			rep.Counts, rep.Changes = servicebot.ImportCounts{}, nil
		}
		return rep, nil
	}
	if err != nil {
		return Report{}, err
	}
	rep.Committed = true
	return rep, nil
}

// table is a file's rows of trimmed cells (the first is the header) and
// its formula cells that hold no computed value, by row and column index.
type table struct {
	rows     [][]string
	formulas map[[2]int]string
	encoding string // "GB18030" when a CSV was read as such
}

// formulaWithoutValue is the formula of the empty cell at row i, column j
// when it is one that the file holds no computed value for.
func (t table) formulaWithoutValue(i, j int) (string, bool) {
	f, ok := t.formulas[[2]int{i, j}]
	return f, ok
}

// ReadTable reads the first sheet of an .xlsx, or a CSV (UTF-8 with or
// without a BOM, or GBK/GB18030), as rows of trimmed cells; the first row is
// the header.
func ReadTable(filename string, data []byte) ([][]string, error) {
	t, err := readTable(filename, data)
	return t.rows, err
}

func readTable(filename string, data []byte) (table, error) {
	t := table{formulas: map[[2]int]string{}}
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".xlsx":
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			return t, fmt.Errorf("customers: read %s: %w", filename, err)
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return t, fmt.Errorf("customers: %s has no sheet", filename)
		}
		if t.rows, err = f.GetRows(sheets[0]); err != nil {
			return t, fmt.Errorf("customers: read %s: %w", filename, err)
		}
		// A formula's value is what the file cached when Excel last saved
		// it; a generated file may hold the formula alone, which reads as
		// an empty cell. Those cells are found, so they are not taken for
		// blanks.
		width := 0
		if len(t.rows) > 0 {
			width = len(t.rows[0])
		}
		for i := 1; i < len(t.rows); i++ {
			for j := range width {
				if j < len(t.rows[i]) && strings.TrimSpace(t.rows[i][j]) != "" {
					continue
				}
				cell, err := excelize.CoordinatesToCellName(j+1, i+1)
				if err != nil {
					return t, fmt.Errorf("customers: read %s: %w", filename, err)
				}
				formula, err := f.GetCellFormula(sheets[0], cell)
				if err != nil {
					return t, fmt.Errorf("customers: read %s: %w", filename, err)
				}
				if formula != "" {
					t.formulas[[2]int{i, j}] = "=" + strings.TrimPrefix(formula, "=")
				}
			}
		}
	case ".csv":
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if !utf8.Valid(data) {
			// Excel on Chinese Windows saves CSV as GBK; GB18030 reads it
			// and its extensions.
			decoded, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
			if err != nil {
				return t, fmt.Errorf("customers: read %s: neither UTF-8 nor GBK: %w", filename, err)
			}
			data, t.encoding = decoded, "GB18030"
		}
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		var err error
		if t.rows, err = r.ReadAll(); err != nil {
			return t, fmt.Errorf("customers: read %s: %w", filename, err)
		}
	default:
		return t, fmt.Errorf("customers: %s: want an .xlsx or .csv file", filename)
	}
	for _, row := range t.rows {
		for i := range row {
			row[i] = strings.TrimSpace(row[i])
		}
	}
	if len(t.rows) == 0 {
		return t, fmt.Errorf("customers: %s is empty (want a header row)", filename)
	}
	return t, nil
}

// formulaProblems names the wanted columns of row i (its index in the
// table) that hold a formula without a computed value.
func formulaProblems(t table, cols columns, names map[string][]string, i int) []string {
	var reasons []string
	keys := make([]string, 0, len(cols))
	for k := range cols {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return cols[a] - cols[b] })
	for _, key := range keys {
		if f, ok := t.formulaWithoutValue(i, cols[key]); ok {
			reasons = append(reasons, fmt.Sprintf("「%s」是公式 %s，文件中没有计算结果（请在 Excel 中打开并保存后再导入，或改填数值）",
				names[key][0], f))
		}
	}
	return reasons
}

// columns finds each wanted column in the header by any of its names.
type columns map[string]int

func header(row []string, names map[string][]string) (columns, []string) {
	cols := columns{}
	var missing []string
	for key, aliases := range names {
		for i, h := range row {
			if slices.Contains(aliases, h) {
				cols[key] = i
				break
			}
		}
		if _, ok := cols[key]; !ok && key[0] == '*' {
			missing = append(missing, aliases[0])
		}
	}
	slices.Sort(missing)
	return cols, missing
}

func (c columns) get(row []string, key string) string {
	i, ok := c[key]
	if !ok || i >= len(row) {
		return ""
	}
	return row[i]
}

// Column names of the customer sheet; a leading * marks a required column.
var customerHeader = map[string][]string{
	"*name":    {"客户名称", "客户", "单位名称", "name"},
	"tier":     {"客户类别", "类别", "客户等级", "tier"},
	"region":   {"区域", "所属区域", "region"},
	"address":  {"地址", "详细地址", "address"},
	"contact":  {"联系人", "contact"},
	"phone":    {"联系电话", "电话", "手机", "phone"},
	"engineer": {"负责工程师", "负责人", "engineer"},
}

var phonePattern = regexp.MustCompile(`^(1[3-9]\d{9}|(0\d{2,3}-?)?\d{7,8}(-\d{1,6})?)$`)

const maxName = 100 // runes

// rowCustomer is a customer with the row it came from.
type rowCustomer struct {
	row int
	servicebot.Customer
}

// parseCustomers reads the customer rows. An empty cell stays empty (the
// merge keeps the stored value, or gives a new customer the default).
func (im *Importer) parseCustomers(tab table, engineers []servicebot.Member) ([]rowCustomer, []Problem) {
	rows := tab.rows
	cols, missing := header(rows[0], customerHeader)
	if len(missing) > 0 {
		return nil, []Problem{{Row: 1, Reason: "缺少列：" + strings.Join(missing, "、")}}
	}
	regions := im.cfg.Regions
	if len(regions) == 0 {
		regions = []string{servicebot.RegionSouthwest, servicebot.RegionNorth, servicebot.RegionOther}
	}
	var out []rowCustomer
	var problems []Problem
	seen := map[string]int{}
	for i, row := range rows[1:] {
		n := i + 2
		formulas := formulaProblems(tab, cols, customerHeader, i+1)
		if blank(row) && len(formulas) == 0 {
			continue
		}
		c := servicebot.Customer{Name: cols.get(row, "*name"), Region: cols.get(row, "region"),
			Address: cols.get(row, "address"), Contact: cols.get(row, "contact"),
			Phone: cols.get(row, "phone"), Engineer: cols.get(row, "engineer")}
		reasons := formulas
		switch {
		case c.Name == "" && len(formulas) > 0:
		case c.Name == "":
			reasons = append(reasons, "客户名称为空")
		case utf8.RuneCountInString(c.Name) > maxName:
			reasons = append(reasons, fmt.Sprintf("客户名称超过%d个字", maxName))
		case seen[c.Name] != 0:
			reasons = append(reasons, fmt.Sprintf("客户「%s」与第%d行重复", c.Name, seen[c.Name]))
		default:
			seen[c.Name] = n
		}
		tier, ok := parseTier(cols.get(row, "tier"))
		if !ok {
			reasons = append(reasons, fmt.Sprintf("客户类别「%s」无法识别（应为 重点客户 或 一般客户）", cols.get(row, "tier")))
		}
		c.Tier = tier
		if c.Region != "" && !slices.Contains(regions, c.Region) {
			reasons = append(reasons, fmt.Sprintf("区域「%s」不存在（可选：%s）", c.Region, strings.Join(regions, "、")))
		}
		if phone := strings.ReplaceAll(c.Phone, " ", ""); phone != "" && !phonePattern.MatchString(phone) {
			reasons = append(reasons, fmt.Sprintf("联系电话「%s」格式不正确", c.Phone))
		} else {
			c.Phone = phone
		}
		if c.Engineer != "" && engineers != nil {
			// Unknown ids or names are refused (issue 16 item 6): a
			// customer of nobody would be reminded to nobody.
			if id, ok := engineerID(engineers, c.Engineer); ok {
				c.Engineer = id
			} else {
				reasons = append(reasons, fmt.Sprintf("负责工程师「%s」不是售后服务部的工程师（填企业微信账号或姓名）", c.Engineer))
			}
		}
		if len(reasons) > 0 {
			problems = append(problems, Problem{Row: n, Reason: strings.Join(reasons, "；")})
			continue
		}
		out = append(out, rowCustomer{row: n, Customer: c})
	}
	return out, problems
}

// engineerID is the userid of the engineer s names, by userid or by name
// (a name two engineers share names neither).
func engineerID(engineers []servicebot.Member, s string) (string, bool) {
	byName := ""
	for _, m := range engineers {
		if m.UserID == s {
			return m.UserID, true
		}
		if m.Name == s {
			if byName != "" {
				return "", false
			}
			byName = m.UserID
		}
	}
	return byName, byName != ""
}

// mergeCustomers is each row merged into the stored customer of its name
// (an empty cell keeps the stored value), or a new customer with the
// defaults (一般客户, 其他), and the rows it creates or changes.
func mergeCustomers(ctx context.Context, tx Tx, cs []rowCustomer) ([]servicebot.Customer, []RowChange, error) {
	return mergeRows(ctx, cs, func(c rowCustomer) (int, string, servicebot.Customer) { return c.row, c.Name, c.Customer },
		tx.CustomerByName, func(c servicebot.Customer) servicebot.Customer {
			c.Tier = cmp.Or(c.Tier, servicebot.TierGeneral)
			c.Region = cmp.Or(c.Region, servicebot.RegionOther)
			return c
		}, servicebot.MergeCustomer)
}

// mergeEquipment is mergeCustomers for machines, by serial number.
func mergeEquipment(ctx context.Context, tx Tx, es []rowEquipment) ([]servicebot.Equipment, []RowChange, error) {
	return mergeRows(ctx, es, func(e rowEquipment) (int, string, servicebot.Equipment) { return e.row, e.Serial, e.Equipment },
		tx.EquipmentBySerial, func(e servicebot.Equipment) servicebot.Equipment { return e }, servicebot.MergeEquipment)
}

// mergeRows is mergeCustomers and mergeEquipment: each imported row (its
// file row, key and value, by part) is looked up by key; one not stored yet
// is created as fresh makes it, a stored one merged field by field, and
// changes say what each row changes.
func mergeRows[R, T any](ctx context.Context, rows []R, part func(R) (int, string, T),
	stored func(context.Context, string) (T, error), fresh func(T) T,
	merge func(old, imported T) (T, []servicebot.FieldChange)) ([]T, []RowChange, error) {
	out := make([]T, len(rows))
	var changes []RowChange
	for i, r := range rows {
		row, key, v := part(r)
		old, err := stored(ctx, key)
		switch {
		case errors.Is(err, servicebot.ErrNotFound):
			out[i] = fresh(v)
			changes = append(changes, RowChange{Row: row, Key: key, Created: true})
		case err != nil:
			return nil, nil, err
		default:
			var fields []servicebot.FieldChange
			out[i], fields = merge(old, v)
			if len(fields) > 0 {
				changes = append(changes, RowChange{Row: row, Key: key, Fields: fields})
			}
		}
	}
	return out, changes, nil
}

func parseTier(s string) (string, bool) {
	switch strings.ToLower(s) {
	case "重点客户", "重点", "大客户", "key":
		return servicebot.TierKey, true
	case "一般客户", "一般", "普通", "general":
		return servicebot.TierGeneral, true
	case "":
		return "", true // kept as stored; a new customer is 一般客户
	}
	return "", false
}

func blank(row []string) bool {
	return !slices.ContainsFunc(row, func(c string) bool { return c != "" })
}

// Column names of the equipment sheet.
var equipmentHeader = map[string][]string{
	"*customer": {"客户名称", "客户", "单位名称", "customer"},
	"*model":    {"设备型号", "型号", "model"},
	"*serial":   {"出厂编号", "设备编号", "序列号", "serial"},
	"factory":   {"出厂日期", "factory_date"},
	"warranty":  {"保修截止", "保修截止日期", "保修到期", "warranty_end"},
}

// rowEquipment is a machine with the row it came from.
type rowEquipment struct {
	row int
	servicebot.Equipment
}

func parseEquipment(tab table) ([]rowEquipment, []Problem) {
	rows := tab.rows
	cols, missing := header(rows[0], equipmentHeader)
	if len(missing) > 0 {
		return nil, []Problem{{Row: 1, Reason: "缺少列：" + strings.Join(missing, "、")}}
	}
	var out []rowEquipment
	var problems []Problem
	seen := map[string]int{}
	for i, row := range rows[1:] {
		n := i + 2
		formulas := formulaProblems(tab, cols, equipmentHeader, i+1)
		if blank(row) && len(formulas) == 0 {
			continue
		}
		e := servicebot.Equipment{Customer: cols.get(row, "*customer"), Model: cols.get(row, "*model"), Serial: cols.get(row, "*serial")}
		reasons := formulas
		if e.Customer == "" {
			reasons = append(reasons, "客户名称为空")
		}
		if e.Model == "" {
			reasons = append(reasons, "设备型号为空")
		}
		switch {
		case e.Serial == "":
			reasons = append(reasons, "出厂编号为空")
		case seen[e.Serial] != 0:
			reasons = append(reasons, fmt.Sprintf("出厂编号「%s」与第%d行重复", e.Serial, seen[e.Serial]))
		default:
			seen[e.Serial] = n
		}
		var ok bool
		if e.FactoryDate, ok = parseDate(cols.get(row, "factory")); !ok {
			reasons = append(reasons, fmt.Sprintf("出厂日期「%s」无法识别（例如 2025-03-01）", cols.get(row, "factory")))
		}
		if e.WarrantyEnd, ok = parseDate(cols.get(row, "warranty")); !ok {
			reasons = append(reasons, fmt.Sprintf("保修截止日期「%s」无法识别（例如 2027-03-01）", cols.get(row, "warranty")))
		}
		if !e.FactoryDate.IsZero() && !e.WarrantyEnd.IsZero() && e.WarrantyEnd.Before(e.FactoryDate) {
			reasons = append(reasons, "保修截止日期早于出厂日期")
		}
		if len(reasons) > 0 {
			problems = append(problems, Problem{Row: n, Reason: strings.Join(reasons, "；")})
			continue
		}
		out = append(out, rowEquipment{row: n, Equipment: e})
	}
	return out, problems
}

// unknownCustomers are the rows whose customer is not stored.
func unknownCustomers(ctx context.Context, tx Tx, es []rowEquipment) ([]Problem, error) {
	var problems []Problem
	for _, e := range es {
		_, err := tx.CustomerByName(ctx, e.Customer)
		switch {
		case errors.Is(err, servicebot.ErrNotFound):
			problems = append(problems, Problem{Row: e.row, Reason: fmt.Sprintf("客户「%s」不存在，请先导入客户", e.Customer)})
		case err != nil:
			return nil, err
		}
	}
	return problems, nil
}

// dateLayouts are how people write dates in a spreadsheet.
var dateLayouts = []string{"2006-01-02", "2006-1-2", "2006/1/2", "2006.1.2", "2006年1月2日", "1/2/06", "01-02-06"}

// parseDate reads a date cell; an empty one is the zero date. Excel's own
// day numbers (45352) are read too.
func parseDate(s string) (servicebot.Date, bool) {
	if s == "" {
		return servicebot.Date{}, true
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return servicebot.DateOf(t), true
		}
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil && n > 1 && n < 100000 {
		if t, err := excelize.ExcelDateToTime(n, false); err == nil {
			return servicebot.DateOf(t), true
		}
	}
	return servicebot.Date{}, false
}

// WriteReport writes rep for people: every bad row, then what was (or would
// be) done.
func WriteReport(w io.Writer, rep Report) error {
	what := map[string]string{KindCustomers: "客户", KindEquipment: "设备"}[rep.Kind]
	var b strings.Builder
	fmt.Fprintf(&b, "读取%s %d 行。\n", what, rep.Rows)
	if rep.Encoding != "" {
		fmt.Fprintf(&b, "文件按 GBK/GB18030 编码读取。\n")
	}
	if len(rep.Problems) > 0 {
		fmt.Fprintf(&b, "有 %d 行有问题，未导入任何数据；请修改后重新导入：\n", len(rep.Problems))
		for _, p := range rep.Problems {
			fmt.Fprintf(&b, "  %s\n", p)
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	c := rep.Counts
	if rep.Committed {
		fmt.Fprintf(&b, "已导入：新增 %d，更新 %d，未变 %d。\n", c.Created, c.Updated, c.Unchanged)
	} else {
		fmt.Fprintf(&b, "试运行（未保存）：将新增 %d，更新 %d，未变 %d。确认无误后加 --commit 正式导入。\n",
			c.Created, c.Updated, c.Unchanged)
	}
	for _, ch := range rep.Changes {
		fmt.Fprintf(&b, "  %s\n", ch)
	}
	if c.Updated > 0 || c.Created > 0 {
		b.WriteString("空白单元格和文件中没有的列不会覆盖已保存的内容。\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Column is one column a file of a kind may have: the names its header may
// use (the first is the one to write) and whether it must be there.
type Column struct {
	Names    []string
	Required bool
}

// Columns lists the columns of a customers or equipment file, required ones
// first, for `servicebot import --help`.
func Columns(kind string) []Column {
	var names map[string][]string
	var order []string
	switch kind {
	case KindCustomers:
		names, order = customerHeader, []string{"*name", "tier", "region", "address", "contact", "phone", "engineer"}
	case KindEquipment:
		names, order = equipmentHeader, []string{"*customer", "*model", "*serial", "factory", "warranty"}
	default:
		return nil
	}
	out := make([]Column, 0, len(order))
	for _, key := range order {
		out = append(out, Column{Names: names[key], Required: key[0] == '*'})
	}
	return out
}
