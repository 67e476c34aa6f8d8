package servicebot

import (
	"errors"
	"strings"
	"testing"
)

func TestFormValidate(t *testing.T) {
	def := FormDef{ID: "t", Title: "测试", Version: 1, Fields: []FormField{
		{Name: "customer", Label: "客户单位名称", Type: FieldText, Required: true},
		{Name: "phone", Label: "联系电话", Type: FieldPhone},
		{Name: "amount", Label: "金额", Type: FieldMoney},
		{Name: "qty", Label: "数量", Type: FieldNumber},
		{Name: "day", Label: "日期", Type: FieldDate, Required: true},
		{Name: "at", Label: "时间", Type: FieldDateTime},
		{Name: "level", Label: "满意度", Type: FieldSelect, Options: []string{"满意", "不满意"}},
		{Name: "tags", Label: "问题", Type: FieldMultiSelect, Options: []string{"价格", "速度"}},
		{Name: "ok", Label: "同意", Type: FieldCheckbox},
		{Name: "sign", Label: "客户签字", Type: FieldSignature, Required: true},
		{Name: "pics", Label: "照片", Type: FieldPhoto},
		{Name: "short", Label: "简述", Type: FieldText, MaxLen: 3},
		{Name: "items", Label: "清单", Type: FieldTable, Columns: []FormField{
			{Name: "name", Label: "名称", Type: FieldText, Required: true},
			{Name: "n", Label: "数量", Type: FieldNumber},
		}},
	}}
	valid := FormValues{"customer": "成都某厂", "day": "2026-11-02", "sign": "王五"}
	with := func(k string, v any) FormValues {
		out := FormValues{}
		for a, b := range valid {
			out[a] = b
		}
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}
	tests := []struct {
		name   string
		values FormValues
		field  string
		want   string // substring of the message; "" means valid
	}{
		{"valid", valid, "", ""},
		{"required text missing", with("customer", nil), "customer", "请填写客户单位名称"},
		{"required blank text", with("customer", "  "), "customer", "请填写客户单位名称"},
		{"required date missing", with("day", nil), "day", "请选择日期"},
		{"signature missing", with("sign", nil), "sign", "请签名"},
		{"bad date", with("day", "11/02/2026"), "day", "须为日期"},
		{"mobile", with("phone", "13800138000"), "", ""},
		{"landline", with("phone", "028-12345678"), "", ""},
		{"bad phone", with("phone", "12345"), "phone", "须为手机号或座机号"},
		{"money", with("amount", "1234.50"), "", ""},
		{"bad money", with("amount", "12.345"), "amount", "须为金额"},
		{"bad number", with("qty", "三"), "qty", "须为数字"},
		{"datetime", with("at", "2026-11-02T09:30"), "", ""},
		{"bad datetime", with("at", "2026-11-02 9点"), "at", "须为日期和时间"},
		{"option", with("level", "满意"), "", ""},
		{"unknown option", with("level", "还行"), "level", "选项“还行”无效"},
		{"multi unknown option", with("tags", []string{"价格", "颜色"}), "tags", "选项“颜色”无效"},
		{"checkbox", with("ok", CheckboxTicked), "", ""},
		{"bad checkbox", with("ok", "on"), "ok", "值无效"},
		{"too long", with("short", "四个字啊"), "short", "不能超过 3 个字"},
		{"table row", with("items", []map[string]string{{"name": "泵", "n": "2"}}), "", ""},
		{"table row missing column", with("items", []map[string]string{{"name": "泵"}, {"n": "2"}}), "items", "清单第 2 行：请填写名称"},
		{"table bad cell", with("items", []map[string]string{{"name": "泵", "n": "两"}}), "items", "数量须为数字"},
		{"json-decoded list", with("tags", []any{"速度"}), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := def.Validate(tt.values)
			if tt.want == "" {
				if errs != nil {
					t.Fatalf("want valid, got %v", errs)
				}
				return
			}
			if len(errs) != 1 || !strings.Contains(errs[tt.field], tt.want) {
				t.Fatalf("errors %v, want only %s: …%s…", errs, tt.field, tt.want)
			}
			var err error = errs
			if !errors.Is(err, ErrInvalidForm) {
				t.Error("FieldErrors does not wrap ErrInvalidForm")
			}
		})
	}
}

func TestFormValuesNormalized(t *testing.T) {
	def := FormDef{Fields: []FormField{
		{Name: "a", Type: FieldText}, {Name: "b", Type: FieldMultiSelect}, {Name: "c", Type: FieldTable},
	}}
	decoded := FormValues{"a": "x", "b": []any{"1", "2"}, "c": []any{map[string]any{"k": "v"}}, "z": "dropped"}
	got := decoded.Normalized(def)
	if got.Text("a") != "x" || strings.Join(got.List("b"), ",") != "1,2" || got.Rows("c")[0]["k"] != "v" {
		t.Fatalf("normalized %#v", got)
	}
	if _, ok := got["z"]; ok {
		t.Error("a value of no field survived")
	}
}

func TestFormCheckDef(t *testing.T) {
	tests := []struct {
		name string
		def  FormDef
		want string
	}{
		{"ok", FormDef{ID: "a", Title: "A", Version: 1, Fields: []FormField{{Name: "x", Label: "X", Type: FieldText}}}, ""},
		{"no version", FormDef{ID: "a", Title: "A"}, "version"},
		{"duplicate", FormDef{ID: "a", Title: "A", Version: 1, Fields: []FormField{
			{Name: "x", Label: "X", Type: FieldText}, {Name: "x", Label: "Y", Type: FieldText}}}, "duplicate"},
		{"select without options", FormDef{ID: "a", Title: "A", Version: 1, Fields: []FormField{
			{Name: "x", Label: "X", Type: FieldSelect}}}, "needs options"},
		{"unknown type", FormDef{ID: "a", Title: "A", Version: 1, Fields: []FormField{
			{Name: "x", Label: "X", Type: "colour"}}}, "unknown type"},
		{"photo in table", FormDef{ID: "a", Title: "A", Version: 1, Fields: []FormField{
			{Name: "t", Label: "T", Type: FieldTable, Columns: []FormField{{Name: "p", Label: "P", Type: FieldPhoto}}}}}, "one text, not photo"},
		{"multiselect in table", FormDef{ID: "a", Title: "A", Version: 1, Fields: []FormField{
			{Name: "t", Label: "T", Type: FieldTable, Columns: []FormField{{Name: "p", Label: "P", Type: FieldMultiSelect, Options: []string{"a"}}}}}}, "one text, not multiselect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.def.CheckDef()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want …%s…", err, tt.want)
			}
		})
	}
}
