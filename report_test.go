package servicebot

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func fen(v int64) *Fen { f := Fen(v); return &f }

var (
	missingNone = []string(nil)
	missingPlan = []string{MissingPlan}
	missingDone = []string{MissingDone}
	missingBoth = []string{MissingDone, MissingPlan}
)

// TestParseReport_RDAY1 feeds the parser daily reports as engineers really
// type them (R-DAY-1) and checks every field of the result.
func TestParseReport_RDAY1(t *testing.T) {
	tests := []struct {
		name string
		text string
		want Report
	}{
		// --- the plain forms ---
		{
			name: "two labelled lines, full-width colon",
			text: "今天：在成都川西机械厂安装调试2台设备\n明天：去重庆回访",
			want: Report{Customer: "川西机械厂", Location: "成都", Done: []string{"在成都川西机械厂安装调试2台设备"}, Plan: []string{"去重庆回访"}, Missing: missingNone},
		},
		{
			name: "half-width colons with spaces around them and trailing spaces",
			text: "今天 :   去绵阳XX厂调试   \n明天 :  回公司  ",
			want: Report{Location: "绵阳", Done: []string{"去绵阳XX厂调试"}, Plan: []string{"回公司"}, Missing: missingNone},
		},
		{
			name: "labels separated by a space only",
			text: "今天 在成都安装调试\n明天 去德阳",
			want: Report{Location: "成都", Done: []string{"在成都安装调试"}, Plan: []string{"去德阳"}, Missing: missingNone},
		},
		{
			name: "numbered lists under labels on their own lines",
			text: "今日工作：\n1. 到达绵阳XX水泥厂，清点设备\n2. 安装主机底座\n3. 液压站接线\n明日计划：\n1. 继续安装调试\n2. 培训操作工",
			want: Report{Location: "绵阳",
				Done:    []string{"到达绵阳XX水泥厂，清点设备", "安装主机底座", "液压站接线"},
				Plan:    []string{"继续安装调试", "培训操作工"},
				Missing: missingNone,
			},
		},
		{
			name: "labels without colon on their own lines",
			text: "今日工作\n昆明安装调试\n明日计划\n返回公司",
			want: Report{Location: "昆明", Done: []string{"昆明安装调试"}, Plan: []string{"返回公司"}, Missing: missingNone},
		},
		{
			name: "【】 headers with parts sales in yuan",
			text: "【今日工作】宜宾天原集团，更换主轴轴承，试车正常\n【明日计划】返回公司\n【配件销售】3000元",
			want: Report{Location: "宜宾",
				Done:       []string{"宜宾天原集团，更换主轴轴承，试车正常"},
				Plan:       []string{"返回公司"},
				PartsSales: fen(300000),
				Missing:    missingNone,
			},
		},
		{
			name: "[] headers and WeChat stickers",
			text: "[今日工作] 天津XX厂故障排查[强]\n[明日计划] 继续排查\n[强][强]",
			want: Report{Location: "天津", Done: []string{"天津XX厂故障排查"}, Plan: []string{"继续排查"}, Missing: missingNone},
		},
		{
			name: "Windows newlines and blank lines",
			text: "今天：\r\n \r\n安装主机\r\n\r\n明天：\r\n\r\n回公司\r\n",
			want: Report{Done: []string{"安装主机"}, Plan: []string{"回公司"}, Missing: missingNone},
		},
		{
			name: "other label words: 工作内容 / 工作计划 / 完成情况",
			text: "工作内容：设备保养\n工作计划：下周去西昌\n完成情况：良好",
			want: Report{PlanWhen: "下周", Done: []string{"设备保养", "良好"}, Plan: []string{"下周去西昌"}, Missing: missingNone},
		},
		{
			name: "今日进展 / 下步计划",
			text: "今日进展：调试80%\n下步计划：完成调试",
			want: Report{Done: []string{"调试80%"}, Plan: []string{"完成调试"}, Missing: missingNone},
		},
		{
			name: "label with 如下, full-width digits and a full-width list dot",
			text: "今日工作如下：\n１．安装３台\n明日：继续",
			want: Report{Done: []string{"安装3台"}, Plan: []string{"继续"}, Missing: missingNone},
		},
		{
			name: "label with a date in brackets",
			text: "今日工作（11.27）：安装\n明日计划（11.28）：调试",
			want: Report{Done: []string{"安装"}, Plan: []string{"调试"}, Missing: missingNone},
		},

		// --- one-liners ---
		{
			name: "one line: 今天：… 明天：… 问题：…",
			text: "今天：安装主机 明天：调试液压站 问题：缺少密封圈",
			want: Report{Done: []string{"安装主机"}, Plan: []string{"调试液压站"}, Issues: []string{"缺少密封圈"}, Missing: missingNone},
		},
		{
			name: "one line: 今日完成…；明日计划…",
			text: "今日完成2号机调试；明日计划培训操作人员",
			want: Report{Done: []string{"2号机调试"}, Plan: []string{"培训操作人员"}, Missing: missingNone},
		},
		{
			name: "one sentence with day words and commas",
			text: "今天在泸州更换液压泵，试车正常，明天去宜宾",
			want: Report{Location: "泸州", Done: []string{"在泸州更换液压泵，试车正常"}, Plan: []string{"去宜宾"}, Missing: missingNone},
		},
		{
			name: "greeting in front of a one-liner",
			text: "领导好，今天在德阳XX厂更换减速机，明天回成都",
			want: Report{Location: "德阳", Done: []string{"在德阳XX厂更换减速机"}, Plan: []string{"回成都"}, Missing: missingNone},
		},
		{
			name: "one sentence, today only",
			text: "今天在西安XX厂指导客户更换刀片。",
			want: Report{Location: "西安", Done: []string{"在西安XX厂指导客户更换刀片"}, Missing: missingPlan},
		},
		{
			name: "an issue line that also says tomorrow's step",
			text: "今天：检查液压站\n问题：液压站漏油，明天带密封件过去更换",
			want: Report{Done: []string{"检查液压站"}, Plan: []string{"带密封件过去更换"}, Issues: []string{"液压站漏油"}, Missing: missingNone},
		},

		// --- list styles ---
		{
			name: "circled numbers glued to the text",
			text: "今天：哈尔滨XX厂检修①更换轴承②调整皮带③试车\n明天：沈阳回访",
			want: Report{Location: "哈尔滨", Done: []string{"哈尔滨XX厂检修", "更换轴承", "调整皮带", "试车"}, Plan: []string{"沈阳回访"}, Missing: missingNone},
		},
		{
			name: "parenthesised numbers inside a line",
			text: "今天：石家庄XX厂培训 (1)操作培训 (2)保养培训\n明天：待定",
			want: Report{Location: "石家庄", Done: []string{"石家庄XX厂培训", "操作培训", "保养培训"}, Plan: []string{"待定"}, Missing: missingNone},
		},
		{
			name: "bullets of several kinds",
			text: "今日工作：\n - 调试PLC程序\n • 培训电工\n · 交接资料\n明日计划：\n - 返程",
			want: Report{Done: []string{"调试PLC程序", "培训电工", "交接资料"}, Plan: []string{"返程"}, Missing: missingNone},
		},
		{
			name: "decimals are quantities, not list markers",
			text: "今天：更换2.5kw电机，1.5吨葫芦检修\n明日：继续",
			want: Report{Done: []string{"更换2.5kw电机，1.5吨葫芦检修"}, Plan: []string{"继续"}, Missing: missingNone},
		},
		{
			name: "semicolons separate items",
			text: "今天：安装主机；调试液压站；培训操作工。\n明天：回公司",
			want: Report{Done: []string{"安装主机", "调试液压站", "培训操作工"}, Plan: []string{"回公司"}, Missing: missingNone},
		},
		{
			name: "formal report: title, greeting, 一、 sections, 1、 items, sign-off",
			text: "11月27日 日报\n各位领导好\n一、今日工作\n1、重庆XX公司设备巡检\n2、指导客户更换易损件\n二、明日计划\n1、去永川拜访客户\n三、需协调事项\n1、客户要求提供维修手册电子版\n以上，谢谢！",
			want: Report{Location: "重庆",
				Done:    []string{"重庆XX公司设备巡检", "指导客户更换易损件"},
				Plan:    []string{"去永川拜访客户"},
				Issues:  []string{"客户要求提供维修手册电子版"},
				Missing: missingNone,
			},
		},
		{
			name: "title lines and a sticker dropped",
			text: "【日报】\n今日工作汇报：\n1.安装 [微笑]\n2.调试\n明日计划：验收",
			want: Report{Done: []string{"安装", "调试"}, Plan: []string{"验收"}, Missing: missingNone},
		},

		// --- emoji ---
		{
			name: "emoji before labels and after text",
			text: "✅今日工作：贵阳某厂故障处理，更换电磁阀🔧\n📅明日计划：回访遵义客户👍",
			want: Report{Location: "贵阳", Done: []string{"贵阳某厂故障处理，更换电磁阀"}, Plan: []string{"回访遵义客户"}, Missing: missingNone},
		},
		{
			name: "emoji between a day word and its text, keycap numbers",
			text: "今天🔧\n1️⃣安装主机\n2️⃣调试液压站\n明天🚗回公司",
			want: Report{Done: []string{"安装主机", "调试液压站"}, Plan: []string{"回公司"}, Missing: missingNone},
		},

		// --- customer, location, issues, parts ---
		{
			name: "every section, parts sales in 万",
			text: "客户：四川XX重工\n地点：德阳\n今天：更换减速机，试车正常\n明天：回成都\n问题：无\n配件销售：1.2万",
			want: Report{
				Done:       []string{"更换减速机，试车正常"},
				Plan:       []string{"回成都"},
				Customer:   "四川XX重工",
				Location:   "德阳",
				PartsSales: fen(1200000),
				Missing:    missingNone,
			},
		},
		{
			name: "address, customer name, space-separated day words",
			text: "地址：云南省曲靖市麒麟区XX路88号\n客户名称：曲靖XX化工\n今天 现场设备点检\n下一步 等配件到了再更换",
			want: Report{
				Done:     []string{"现场设备点检"},
				Plan:     []string{"等配件到了再更换"},
				Customer: "曲靖XX化工",
				Location: "云南省曲靖市麒麟区XX路88号",
				Missing:  missingNone,
			},
		},
		{
			name: "customer in the middle of the work list",
			text: "今天：安装主机\n客户：成都XX厂\n调试液压站\n明天：回",
			want: Report{Done: []string{"安装主机", "调试液压站"}, Plan: []string{"回"}, Customer: "成都XX厂", Missing: missingNone},
		},
		{
			name: "customer label alone, work without a label after it",
			text: "客户：\n乐山XX建材\n安装主机\n调试",
			want: Report{Done: []string{"安装主机", "调试"}, Customer: "乐山XX建材", Missing: missingPlan},
		},
		{
			name: "parts sales with a total and thousands separator",
			text: "今日工作：昆明XX矿业回访，检查设备运行情况\n配件：油封2个，滤芯3个，合计3,000元\n明日计划：去曲靖",
			want: Report{Location: "昆明", Done: []string{"昆明XX矿业回访，检查设备运行情况"}, Plan: []string{"去曲靖"}, PartsSales: fen(300000), Missing: missingNone},
		},
		{
			name: "parts sales with ￥ and decimals, before the work",
			text: "配件销售：￥3,000.50\n今天：回访攀枝花客户\n明天：去西昌",
			want: Report{Location: "攀枝花", Done: []string{"回访攀枝花客户"}, Plan: []string{"去西昌"}, PartsSales: fen(300050), Missing: missingNone},
		},
		{
			name: "parts sales in 块, and two sales summed",
			text: "今天：贵阳回访\n配件销售 5000块\n销售额：0.8万元\n明天：安顺",
			want: Report{Location: "贵阳", Done: []string{"贵阳回访"}, Plan: []string{"安顺"}, PartsSales: fen(1300000), Missing: missingNone},
		},
		{
			name: "parts sold, mentioned in today's work",
			text: "今天：销售配件油封一批3000块\n明天：回访",
			want: Report{Done: []string{"销售配件油封一批3000块"}, Plan: []string{"回访"}, PartsSales: fen(300000), Missing: missingNone},
		},
		{
			name: "parts sales 无 is a stated zero; plan 无 is kept",
			text: "今日工作：安装调试完成。\n明日计划：无\n配件销售：无",
			want: Report{Done: []string{"安装调试完成"}, Plan: []string{"无"}, PartsSales: fen(0), Missing: missingNone},
		},
		{
			name: "parts line without an amount is kept, not guessed",
			text: "配件销售：客户要两个油封，报价中\n今天：回访\n明天：等回复",
			want: Report{PartsUnread: true, Done: []string{"回访"}, Plan: []string{"等回复"}, Unlabelled: []string{"配件销售：客户要两个油封，报价中"}, Missing: missingNone},
		},
		{
			name: "issues under several labels",
			text: "今日工作：维修\n需公司支持：尽快发一套密封件到现场\n困难：现场没有吊车\n明天：继续",
			want: Report{Done: []string{"维修"}, Plan: []string{"继续"}, Issues: []string{"尽快发一套密封件到现场", "现场没有吊车"}, Missing: missingNone},
		},
		{
			name: "location label and two customers",
			text: "当前位置：成都市武侯区\n客户：A厂；B厂\n今天 现场处理故障\n明天 回访",
			want: Report{Done: []string{"现场处理故障"}, Plan: []string{"回访"}, Customer: "A厂；B厂", Location: "成都市武侯区", Missing: missingNone},
		},

		// --- missing sections ---
		{
			name: "missing plan",
			text: "今天：安装主机\n调试液压站",
			want: Report{Done: []string{"安装主机", "调试液压站"}, Missing: missingPlan},
		},
		{
			name: "only the plan (an answer to 还缺少明日计划)",
			text: "明天：去重庆回访",
			want: Report{Plan: []string{"去重庆回访"}, Missing: missingDone},
		},
		{
			name: "work without a label, plan with one",
			text: "在XX厂更换液压泵，试车正常\n明天：去重庆回访",
			want: Report{Done: []string{"在XX厂更换液压泵，试车正常"}, Plan: []string{"去重庆回访"}, Missing: missingNone},
		},
		{
			name: "a stray remark next to labelled work is kept apart",
			text: "今天：安装主机\n明天：调试\n车坏了",
			want: Report{Done: []string{"安装主机"}, Plan: []string{"调试", "车坏了"}, Missing: missingNone},
		},
		{
			name: "a remark before the labels stays unlabelled",
			text: "下午下雨\n今天：安装主机\n明天：调试",
			want: Report{Done: []string{"安装主机"}, Plan: []string{"调试"}, Unlabelled: []string{"下午下雨"}, Missing: missingNone},
		},

		// --- no labels at all ---
		{
			name: "several lines of work without labels",
			text: "在成都XX厂安装调试\n培训操作工3人\n试车正常，客户签字验收",
			want: Report{Location: "成都", Done: []string{"在成都XX厂安装调试", "培训操作工3人", "试车正常，客户签字验收"}, Missing: missingPlan},
		},
		{
			name: "numbered work without labels",
			text: "1、更换主轴承\n2、调整皮带\n3、试车",
			want: Report{Done: []string{"更换主轴承", "调整皮带", "试车"}, Missing: missingPlan},
		},
		{
			name: "several lines of chat without work words",
			text: "在吗\n有个事想问一下",
			want: Report{Unlabelled: []string{"在吗", "有个事想问一下"}, Missing: missingBoth},
		},
		{
			name: "a question mentioning work is not a report",
			text: "在吗\n维修单怎么填？",
			want: Report{Unlabelled: []string{"在吗", "维修单怎么填？"}, Missing: missingBoth},
		},

		// --- chit-chat ---
		{name: "你好", text: "你好", want: Report{Unlabelled: []string{"你好"}, Missing: missingBoth}},
		{name: "在吗", text: "在吗", want: Report{Unlabelled: []string{"在吗"}, Missing: missingBoth}},
		{name: "帮助", text: "帮助", want: Report{Unlabelled: []string{"帮助"}, Missing: missingBoth}},
		{name: "question mark", text: "?", want: Report{Unlabelled: []string{"?"}, Missing: missingBoth}},
		{name: "empty", text: " \r\n ", want: Report{Missing: missingBoth}},
		{name: "a title alone", text: "日报", want: Report{Missing: missingBoth}},
		{
			name: "a day word in a question",
			text: "今天有空吗",
			want: Report{Unlabelled: []string{"今天有空吗"}, Missing: missingBoth},
		},
		{
			name: "a request mentioning tomorrow",
			text: "领导，明天能不能派车？",
			want: Report{Unlabelled: []string{"领导，明天能不能派车？"}, Missing: missingBoth},
		},
		{
			// Without a colon and without work words, a day word is not
			// trusted: "今天：休息" would be a report.
			name: "a bare day word with no work",
			text: "今天休息",
			want: Report{Unlabelled: []string{"今天休息"}, Missing: missingBoth},
		},
		{
			name: "a day word after a comma, not work",
			text: "设备已修好，明天再说吧",
			want: Report{Unlabelled: []string{"设备已修好，明天再说吧"}, Missing: missingBoth},
		},
		{
			name: "a day word after a space, not work: the text stays whole",
			text: "设备已修好 明天再说吧",
			want: Report{Unlabelled: []string{"设备已修好 明天再说吧"}, Missing: missingBoth},
		},
		{
			name: "issue label with nothing to report only",
			text: "问题：无",
			want: Report{Missing: missingBoth},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseReport(tt.text)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseReport(%q)\n got %s\nwant %s", tt.text, dumpReport(got), dumpReport(tt.want))
			}
		})
	}
	if len(tests) < 35 {
		t.Fatalf("only %d report cases; R-DAY-1 asks for at least 35", len(tests))
	}
}

func dumpReport(r Report) string {
	parts := "nil"
	if r.PartsSales != nil {
		parts = r.PartsSales.String()
	}
	return fmt.Sprintf("{Done:%q Plan:%q Customer:%q Location:%q Issues:%q PartsSales:%s Unlabelled:%q Missing:%q}",
		r.Done, r.Plan, r.Customer, r.Location, r.Issues, parts, r.Unlabelled, r.Missing)
}

func TestReport_IsReport_RDAY1(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"今天：安装", true},
		{"明天：调试", true},
		{"客户：XX厂", true},
		{"配件销售：300元", true},
		{"你好", false},
		{"在吗", false},
		{"帮助", false},
		{"?", false},
		{"谢谢", false},
		{"问题：无", false},
	}
	for _, tt := range tests {
		if got := ParseReport(tt.text).IsReport(); got != tt.want {
			t.Errorf("ParseReport(%q).IsReport() = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestParseFen_RPRT1(t *testing.T) {
	tests := []struct {
		in   string
		want Fen
	}{
		{"3000", 300000},
		{"3000元", 300000},
		{"3000 元", 300000},
		{"3000块", 300000},
		{"3000块钱", 300000},
		{"3,000", 300000},
		{"1,234,567.89", 123456789},
		{"￥3000", 300000},
		{"¥ 3,000.00", 300000},
		{"RMB3000", 300000},
		{"1.2万", 1200000},
		{"1.2万元", 1200000},
		{"0.85万", 850000},
		{"3千", 300000},
		{"1234.5", 123450},
		{"0.005", 1}, // half a fen rounds up
		{"0.004", 0},
		{"３０００元", 300000},
		{"0", 0},
	}
	for _, tt := range tests {
		got, err := ParseFen(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseFen(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "元", "三千", "3,00", "3000美元", "1.2.3", "-5", "12345678901234"} {
		if got, err := ParseFen(bad); !errors.Is(err, ErrInvalidAmount) {
			t.Errorf("ParseFen(%q) = %v, %v; want ErrInvalidAmount", bad, got, err)
		}
	}
}

func TestFen_String(t *testing.T) {
	tests := []struct {
		f    Fen
		want string
	}{
		{0, "0.00"},
		{5, "0.05"},
		{123450, "1234.50"},
		{300000, "3000.00"},
		{-1250, "-12.50"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("Fen(%d).String() = %q, want %q", int64(tt.f), got, tt.want)
		}
	}
}

func TestFormatReportConfirmation_RDAY1(t *testing.T) {
	friday := time.Date(2026, 11, 27, 21, 5, 0, 0, time.FixedZone("CST", 8*3600))
	tests := []struct {
		name string
		text string
		want string
	}{
		{
			name: "complete report with every section",
			text: "下午下雨\n客户：四川XX重工\n地点：德阳\n今天：\n1.更换减速机\n2.试车正常\n明天：回成都\n问题：缺密封圈\n配件销售：1.2万",
			want: "已收到11月27日（周五）的日报：\n" +
				"今日工作：\n1. 更换减速机\n2. 试车正常\n" +
				"明日计划：回成都\n" +
				"客户：四川XX重工\n" +
				"地点：德阳\n" +
				"问题/需协调：缺密封圈\n" +
				"配件销售：12000元\n" +
				"其他：下午下雨",
		},
		{
			name: "missing plan",
			text: "今天：安装主机\n配件销售：3000.5",
			want: "已收到11月27日（周五）的日报：\n" +
				"今日工作：安装主机\n" +
				"客户：未识别\n地点：未识别\n" + // issue 9: the engineer sees what is missing
				"配件销售：3000.50元\n" +
				"还缺少明日计划，请直接回复明天的安排，我会补进今天的日报。",
		},
		{
			name: "missing today's work",
			text: "明天：去重庆",
			want: "已收到11月27日（周五）的日报：\n" +
				"明日计划：去重庆\n" +
				"客户：未识别\n地点：未识别\n" +
				"还缺少今日工作，请直接回复今天完成的工作，我会补进今天的日报。",
		},
		{
			name: "missing both",
			text: "客户：XX厂",
			want: "已收到11月27日（周五）的日报：\n" +
				"客户：XX厂\n" +
				"地点：未识别\n" +
				"还缺少今日工作和明日计划，请直接回复今天完成的工作和明天的安排，我会补进今天的日报。",
		},
		{
			name: "not a report",
			text: "你好",
			want: "没有识别出日报内容。请按下面的样子发送今天的日报：\n今天：完成的工作\n明天：明天的计划\n还可以写：客户、地点、问题、配件销售。",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FormatReportConfirmation(ParseReport(tt.text), friday)
			if got != tt.want {
				t.Errorf("FormatReportConfirmation:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
	// The weekday follows the date given.
	sunday := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	if got := FormatReportConfirmation(ParseReport("今天：巡检\n明天：回访"), sunday); !strings.HasPrefix(got, "已收到11月29日（周日）的日报") {
		t.Errorf("FormatReportConfirmation on a Sunday = %q, want it to start with 已收到11月29日（周日）的日报", got)
	}
}
