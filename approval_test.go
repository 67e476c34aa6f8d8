package servicebot

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func roles(steps []PlannedStep) []Role {
	out := make([]Role, len(steps))
	for i, s := range steps {
		out[i] = s.Role
	}
	return out
}

func partsRequest(amount Fen, urgent bool) ApprovalRequest {
	return ApprovalRequest{Kind: RequestParts, Urgent: urgent, Amount: amount, Customer: "成都某机械厂",
		Reason: "主轴轴承损坏", Requester: "yangfan",
		Evidence: Evidence{Kind: EvidenceFaultLetter, URL: "https://example.com/letter.pdf"}}
}

// R-APV-2 (urgent, by amount tier; "在1000元以下" includes 1000) and R-APV-3
// (non-urgent: sales VP then general manager), each followed by the quality
// VP's liability step (R-APV-4).
func TestRouteParts_RAPV2_RAPV3_RAPV4(t *testing.T) {
	tests := []struct {
		name   string
		amount Fen
		urgent bool
		want   []Role
		copies []Role
	}{
		{"R-APV-2 urgent 999.99 service manager", 999_99, true, []Role{RoleServiceManager, RoleVPQuality}, []Role{RoleVPSales, RoleVPQuality, RoleGeneralManager}},
		{"R-APV-2 urgent 1000 service manager", 1000_00, true, []Role{RoleServiceManager, RoleVPQuality}, []Role{RoleVPSales, RoleVPQuality, RoleGeneralManager}},
		{"R-APV-2 urgent 1000.01 sales VP", 1000_01, true, []Role{RoleVPSales, RoleVPQuality}, []Role{RoleVPQuality, RoleGeneralManager}},
		{"R-APV-2 urgent 5000 sales VP", 5000_00, true, []Role{RoleVPSales, RoleVPQuality}, []Role{RoleVPQuality, RoleGeneralManager}},
		{"R-APV-2 urgent 5000.01 general manager", 5000_01, true, []Role{RoleGeneralManager, RoleVPQuality}, []Role{RoleVPSales}},
		{"R-APV-3 not urgent 999.99", 999_99, false, []Role{RoleVPSales, RoleGeneralManager, RoleVPQuality}, nil},
		{"R-APV-3 not urgent 1000", 1000_00, false, []Role{RoleVPSales, RoleGeneralManager, RoleVPQuality}, nil},
		{"R-APV-3 not urgent 1000.01", 1000_01, false, []Role{RoleVPSales, RoleGeneralManager, RoleVPQuality}, nil},
		{"R-APV-3 not urgent 5000", 5000_00, false, []Role{RoleVPSales, RoleGeneralManager, RoleVPQuality}, nil},
		{"R-APV-3 not urgent 5000.01", 5000_01, false, []Role{RoleVPSales, RoleGeneralManager, RoleVPQuality}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, steps, err := DefaultApprovalRules().Prepare(partsRequest(tt.amount, tt.urgent))
			if err != nil {
				t.Fatal(err)
			}
			if got := roles(steps); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("chain = %v, want %v", got, tt.want)
			}
			if got := steps[0].Copies; !reflect.DeepEqual(got, tt.copies) {
				t.Errorf("copies of the approval = %v, want %v", got, tt.copies)
			}
			if last := steps[len(steps)-1]; last.Action != ActionLiability { // R-APV-4
				t.Errorf("last step = %s, want liability", last.Action)
			}
			if req.RulesVersion != DefaultRulesVersion || req.Status != ApprovalPending {
				t.Errorf("version %q status %q", req.RulesVersion, req.Status)
			}
		})
	}
}

// Routing is data: configured thresholds move the tiers and the version
// stamped on the request says which rules routed it.
func TestRoutePartsConfiguredThresholds_RAPV2(t *testing.T) {
	rules := ApprovalRules{Version: "2027-01", ServiceManagerLimit: 2000_00, SalesVPLimit: 8000_00}
	for _, tt := range []struct {
		amount Fen
		want   Role
	}{{2000_00, RoleServiceManager}, {2000_01, RoleVPSales}, {8000_00, RoleVPSales}, {8000_01, RoleGeneralManager}} {
		req, steps, err := rules.Prepare(partsRequest(tt.amount, true))
		if err != nil {
			t.Fatal(err)
		}
		if steps[0].Role != tt.want || req.RulesVersion != "2027-01" {
			t.Errorf("%s: first %s version %q, want %s 2027-01", tt.amount, steps[0].Role, req.RulesVersion, tt.want)
		}
	}
}

// R-SVC-1, R-SVC-2, R-VIS-4, R-TOOL-2, R-LIA-1/2: who approves the other kinds.
func TestRouteOtherKinds_RSVC1_RSVC2_RVIS4(t *testing.T) {
	tests := []struct {
		name    string
		req     ApprovalRequest
		want    []Role
		actions []StepAction
	}{
		{"R-SVC-1 installation: department review, VP, dispatch", ApprovalRequest{Kind: RequestService, ServiceType: ServiceInstall},
			[]Role{RoleServiceManager, RoleVPAfterSales, RoleServiceManager}, []StepAction{ActionApprove, ActionApprove, ActionDispatch}},
		{"R-SVC-2 fault: department review, VP on-site or remote, dispatch", ApprovalRequest{Kind: RequestService, ServiceType: ServiceFault},
			[]Role{RoleServiceManager, RoleVPAfterSales, RoleServiceManager}, []StepAction{ActionApprove, ActionFaultPlan, ActionDispatch}},
		{"R-VIS-4 visit signed by the service manager", ApprovalRequest{Kind: RequestService, ServiceType: ServiceVisit},
			[]Role{RoleServiceManager}, []StepAction{ActionDispatch}},
		{"R-TOOL-2 service manager", ApprovalRequest{Kind: RequestTool, Subject: "zhangwei",
			Tool: &ToolLoss{Class: ToolClass1, Price: 6000_00, Months: 13}},
			[]Role{RoleServiceManager}, []StepAction{ActionApprove}},
		{"R-LIA-0 quality VP then general manager", ApprovalRequest{Kind: RequestFine, Subject: "zhangwei", Fine: &FineBasis{Complaints: 2}},
			[]Role{RoleVPQuality, RoleGeneralManager}, []StepAction{ActionApprove, ActionApprove}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Requester, tt.req.Customer, tt.req.Reason = "sunli", "重庆某厂", "事由"
			_, steps, err := DefaultApprovalRules().Prepare(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			var actions []StepAction
			for _, s := range steps {
				actions = append(actions, s.Action)
			}
			if got := roles(steps); !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(actions, tt.actions) {
				t.Errorf("chain = %v %v, want %v %v", got, actions, tt.want, tt.actions)
			}
		})
	}
}

// R-APV-1: no fault letter or damage report, no compensation request.
func TestPrepareEvidence_RAPV1(t *testing.T) {
	tests := []struct {
		name     string
		evidence Evidence
		ok       bool
	}{
		{"fault letter", Evidence{EvidenceFaultLetter, "https://x/letter"}, true},
		{"damage report with photos", Evidence{EvidenceDamageReport, "https://x/photos"}, true},
		{"no evidence", Evidence{}, false},
		{"kind without link", Evidence{Kind: EvidenceDamageReport}, false},
		{"link of unknown kind", Evidence{Kind: "phone_call", URL: "https://x"}, false},
		// Issue 15: the link lands in the approver's card; only web links.
		{"javascript link", Evidence{EvidenceDamageReport, "javascript:alert(document.cookie)"}, false},
		{"JavaScript link in capitals", Evidence{EvidenceDamageReport, "JavaScript:alert(1)"}, false},
		{"data link", Evidence{EvidenceFaultLetter, "data:text/html,<script>alert(1)</script>"}, false},
		{"link without scheme", Evidence{EvidenceFaultLetter, "//evil.example/x"}, false},
		{"plain http", Evidence{EvidenceFaultLetter, "http://files.example.com/letter.pdf"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := partsRequest(3000_00, true)
			req.Evidence = tt.evidence
			_, _, err := DefaultApprovalRules().Prepare(req)
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v, want ok %v", err, tt.ok)
			}
			var ie *InvalidRequestError
			if !tt.ok && (!errors.Is(err, ErrInvalidRequest) || !errors.As(err, &ie) || !strings.Contains(ie.Problems[0], "R-APV-1")) {
				t.Errorf("err = %v, want an InvalidRequestError naming R-APV-1", err)
			}
		})
	}
}

func TestPrepareListsEveryProblem(t *testing.T) {
	_, _, err := DefaultApprovalRules().Prepare(ApprovalRequest{Kind: RequestParts})
	var ie *InvalidRequestError
	if !errors.As(err, &ie) || len(ie.Problems) != 5 {
		t.Fatalf("err = %v, want 5 problems (requester, evidence, amount, customer, reason)", err)
	}
}

// R-TOOL-2: the manual's example, each full half-year, the floor, the lifetime.
func TestToolCompensation_RTOOL2(t *testing.T) {
	tests := []struct {
		name   string
		class  ToolClass
		price  Fen
		months int
		want   Fen
	}{
		{"R-TOOL-2 example class 1 6000 13 months", ToolClass1, 6000_00, 13, 4800_00},
		{"class 1 new", ToolClass1, 6000_00, 0, 6000_00},
		{"class 1 5 months: no full half-year", ToolClass1, 6000_00, 5, 6000_00},
		{"class 1 6 months: one half-year", ToolClass1, 6000_00, 6, 5400_00},
		{"class 1 11 months", ToolClass1, 6000_00, 11, 5400_00},
		{"class 1 12 months", ToolClass1, 6000_00, 12, 4800_00},
		{"class 1 54 months: 10% is the floor", ToolClass1, 6000_00, 54, 600_00},
		{"class 1 59 months: last month of the lifetime", ToolClass1, 6000_00, 59, 600_00},
		{"class 1 60 months: lifetime over", ToolClass1, 6000_00, 60, 0},
		{"class 2 5 months", ToolClass2, 300_00, 5, 300_00},
		{"class 2 6 months", ToolClass2, 300_00, 6, 240_00},
		{"class 2 18 months", ToolClass2, 300_00, 18, 120_00},
		{"class 2 23 months", ToolClass2, 300_00, 23, 120_00},
		{"class 2 24 months: lifetime over", ToolClass2, 300_00, 24, 0},
		{"consumable 12 months: lifetime over", ToolConsumable, 200_00, 12, 0},
		{"rounding to the fen", ToolClass1, 33, 6, 30}, // 0.33 × 90% = 0.297
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, note, err := DefaultApprovalRules().ToolCompensation(ToolLoss{Class: tt.class, Price: tt.price, Months: tt.months})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("= %s, want %s (%s)", got, tt.want, note)
			}
			if !strings.Contains(note, tt.want.String()) && tt.want != 0 {
				t.Errorf("note %q does not give the amount", note)
			}
		})
	}
}

// R-TOOL-2 floor: with no lifetime limit configured, depreciation stops at 10 %.
func TestToolCompensationFloor_RTOOL2(t *testing.T) {
	rules := ApprovalRules{Tools: map[ToolClass]ToolRule{ToolClass2: {RatePercent: 20, FloorPercent: 10}}}
	for months, want := range map[int]Fen{24: 200_00, 29: 200_00, 30: 100_00, 120: 100_00} {
		got, _, err := rules.ToolCompensation(ToolLoss{Class: ToolClass2, Price: 1000_00, Months: months})
		if err != nil || got != want {
			t.Errorf("%d months = %s, %v; want %s", months, got, err, want)
		}
	}
	if _, _, err := rules.ToolCompensation(ToolLoss{Class: "class9", Price: 1, Months: 1}); err == nil {
		t.Error("unknown class accepted")
	}
}

// R-LIA-1 with its interpretation.
func TestComplaintFine_RLIA1(t *testing.T) {
	for n, want := range map[int]Fen{0: 0, 1: 50_00, 2: 200_00, 3: 300_00, 5: 500_00} {
		if got := ComplaintFine(n); got != want {
			t.Errorf("R-LIA-1 %d complaints = %s, want %s", n, got, want)
		}
	}
}

// R-LIA-2: the manual's example and every bracket edge.
func TestAccidentFine_RLIA2(t *testing.T) {
	tests := []struct {
		loss, want Fen
	}{
		{3000_00, 725_00}, // R-LIA-2 example: 150 + 375 + 200
		{0, 0},
		{1, 0}, // 0.01 × 30% rounds to 0
		{500_00, 150_00},
		{500_01, 150_00}, // + 0.01 × 25% → 0.0025, rounds away
		{2000_00, 525_00},
		{2000_04, 525_01}, // + 0.04 × 20% = 0.008 → 0.01
		{5000_00, 1125_00},
		{10000_00, 1875_00},
		{10000_10, 1875_01},
		{20000_00, 2875_00},
		{100000_00, 10875_00}, // no gap above 10000 (interpretation)
	}
	for _, tt := range tests {
		if got, parts := AccidentFine(tt.loss); got != tt.want {
			t.Errorf("R-LIA-2 loss %s = %s (%v), want %s", tt.loss, got, parts, tt.want)
		}
	}
	_, note, err := FineBasis{Loss: 3000_00}.Amount()
	if err != nil || !strings.Contains(note, "725.00") {
		t.Errorf("note %q, %v", note, err)
	}
	if _, _, err := (FineBasis{Loss: 1, Complaints: 1}).Amount(); err == nil {
		t.Error("two bases accepted")
	}
}
