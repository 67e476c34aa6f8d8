package servicebot

import (
	"errors"
	"strings"
	"testing"
)

// testHolders is a department with one holder per role, and a second
// service manager (liuyang) who may stand in.
func testHolders() map[Role][]string {
	return map[Role][]string{
		RoleEngineer:       {"zhangwei", "lina"},
		RoleServiceManager: {"wangjun", "liuyang"},
		RoleVPAfterSales:   {"liqiang"},
		RoleVPSales:        {"zhaomin"},
		RoleVPQuality:      {"chenjing"},
		RoleGeneralManager: {"zhougang"},
		RoleSales:          {"sunli"},
	}
}

// step is one expected step of a chain: "role:action=approver", with
// "<delegatedFrom" or "^raisedFrom" appended when the step was delegated
// or raised.
func stepText(s PlannedStep, a Assignment) string {
	t := string(s.Role) + ":" + string(s.Action) + "=" + a.Approver
	if a.DelegatedFrom != "" {
		t += "<" + a.DelegatedFrom
	}
	if a.RaisedFrom != "" {
		t += "^" + string(a.RaisedFrom)
	}
	return t
}

func fenPtr(f Fen) *Fen { return &f }

// TestApprovalChain is the table of every chain of RULES.md by kind,
// amount, urgency and the parties: R-SVC-1/2 (with the service
// department's review before the VP), R-VIS-4, R-APV-1…5, R-TOOL-1/2 and
// R-LIA-0…2, with self-decision (nobody decides a case about themselves:
// one level up) and delegation (R-APV-5).
func TestApprovalChain_RSVC_RAPV_RTOOL_RLIA(t *testing.T) {
	parts := func(amount Fen, urgent bool, filer string) ApprovalRequest {
		r := partsRequest(amount, urgent)
		r.Requester = filer
		return r
	}
	service := func(st ServiceType, filer string) ApprovalRequest {
		return ApprovalRequest{Kind: RequestService, ServiceType: st, Customer: "重庆某厂", Reason: "事由", Requester: filer}
	}
	tool := func(class ToolClass, price Fen, months int, stated *Fen, payer, filer string) ApprovalRequest {
		return ApprovalRequest{Kind: RequestTool, Subject: payer, Requester: filer, Reason: "丢失",
			Tool: &ToolLoss{Class: class, Price: price, Months: months, Stated: stated}}
	}
	fine := func(b FineBasis, payer, filer string) ApprovalRequest {
		return ApprovalRequest{Kind: RequestFine, Subject: payer, Requester: filer, Reason: "客户投诉", Fine: &b}
	}
	tests := []struct {
		name    string
		rules   ApprovalRules
		req     ApprovalRequest
		away    []string
		holders map[Role][]string // nil: testHolders()
		want    []string
		amount  Fen
		wantErr string
	}{
		// R-SVC-1, R-SVC-2, R-VIS-4.
		{name: "R-SVC-1 install: service department reviews, VP approves, service manager dispatches",
			req:  service(ServiceInstall, "sunli"),
			want: []string{"service_manager:approve=wangjun", "vp_after_sales:approve=liqiang", "service_manager:dispatch=wangjun"}},
		{name: "R-SVC-2 fault: review, VP decides on-site or remote, dispatch",
			req:  service(ServiceFault, "sunli"),
			want: []string{"service_manager:approve=wangjun", "vp_after_sales:fault_plan=liqiang", "service_manager:dispatch=wangjun"}},
		{name: "R-SVC-1 filed by the service manager: his review goes one level up, he still dispatches",
			req:  service(ServiceInstall, "wangjun"),
			want: []string{"vp_after_sales:approve=liqiang^service_manager", "vp_after_sales:approve=liqiang", "service_manager:dispatch=wangjun"}},
		{name: "R-VIS-4 visit: the service manager signs and dispatches",
			req:  service(ServiceVisit, "wangjun"),
			want: []string{"service_manager:dispatch=wangjun"}},
		{name: "R-SVC-1 without a customer is refused", req: ApprovalRequest{Kind: RequestService, ServiceType: ServiceInstall, Reason: "x", Requester: "sunli"},
			wantErr: "缺少客户名称"},

		// R-APV-1…4.
		{name: "R-APV-1 no fault letter and no damage report", req: func() ApprovalRequest {
			r := parts(800_00, true, "sunli")
			r.Evidence = Evidence{}
			return r
		}(), wantErr: "R-APV-1"},
		{name: "R-APV-2 urgent 1000 (included): service manager, then the quality VP's liability (R-APV-4)",
			req: parts(1000_00, true, "sunli"), want: []string{"service_manager:approve=wangjun", "vp_quality:liability=chenjing"}},
		{name: "R-APV-2 urgent 1000.01: sales VP", req: parts(1000_01, true, "sunli"),
			want: []string{"vp_sales:approve=zhaomin", "vp_quality:liability=chenjing"}},
		{name: "R-APV-2 urgent 5000: sales VP", req: parts(5000_00, true, "sunli"),
			want: []string{"vp_sales:approve=zhaomin", "vp_quality:liability=chenjing"}},
		{name: "R-APV-2 urgent 5000.01: general manager", req: parts(5000_01, true, "sunli"),
			want: []string{"general_manager:approve=zhougang", "vp_quality:liability=chenjing"}},
		{name: "R-APV-3 not urgent: sales VP, general manager, then liability", req: parts(300_00, false, "sunli"),
			want: []string{"vp_sales:approve=zhaomin", "general_manager:approve=zhougang", "vp_quality:liability=chenjing"}},
		{name: "R-APV-2 configured tiers", rules: ApprovalRules{ServiceManagerLimit: 2000_00, SalesVPLimit: 8000_00},
			req: parts(2000_00, true, "sunli"), want: []string{"service_manager:approve=wangjun", "vp_quality:liability=chenjing"}},
		{name: "R-APV-5 self-decision: a sales VP's own request goes up the parts ladder to the general manager",
			req: parts(3000_00, true, "zhaomin"), want: []string{"general_manager:approve=zhougang^vp_sales", "vp_quality:liability=chenjing"}},
		{name: "R-APV-5 self-decision: the service manager's own urgent request goes to the sales VP, not the VP in charge",
			req: parts(500_00, true, "wangjun"), want: []string{"vp_sales:approve=zhaomin^service_manager", "vp_quality:liability=chenjing"}},
		{name: "R-APV-5 FilerMayDecide: the filer decides when configured", rules: ApprovalRules{FilerMayDecide: true},
			req: parts(500_00, true, "wangjun"), want: []string{"service_manager:approve=wangjun", "vp_quality:liability=chenjing"}},

		// R-APV-5 delegation.
		{name: "R-APV-5 principal on leave: configured delegate decides", rules: ApprovalRules{Delegates: map[string]string{"wangjun": "lina"}},
			req: parts(500_00, true, "sunli"), away: []string{"wangjun"},
			want: []string{"service_manager:approve=lina<wangjun", "vp_quality:liability=chenjing"}},
		{name: "R-APV-5 principal on leave, no delegate: the other holder of the role",
			req: parts(500_00, true, "sunli"), away: []string{"wangjun"},
			want: []string{"service_manager:approve=liuyang<wangjun", "vp_quality:liability=chenjing"}},
		{name: "R-APV-5 principal and delegate away: the other holder", rules: ApprovalRules{Delegates: map[string]string{"wangjun": "lina"}},
			req: parts(500_00, true, "sunli"), away: []string{"wangjun", "lina"},
			want: []string{"service_manager:approve=liuyang<wangjun", "vp_quality:liability=chenjing"}},
		{name: "R-APV-5 everybody away: the principal keeps it",
			req: parts(500_00, true, "sunli"), away: []string{"wangjun", "liuyang"},
			want: []string{"service_manager:approve=wangjun", "vp_quality:liability=chenjing"}},
		{name: "R-APV-5 the delegate is never the payer", rules: ApprovalRules{Delegates: map[string]string{"wangjun": "zhangwei"}},
			req: tool(ToolClass1, 6000_00, 13, nil, "zhangwei", "zhangwei"), away: []string{"wangjun"},
			want: []string{"service_manager:approve=liuyang<wangjun"}, amount: 4800_00},
		{name: "R-APV-5 general manager on leave: the delegate decides", rules: ApprovalRules{Delegates: map[string]string{"zhougang": "liqiang"}},
			req: parts(9000_00, true, "sunli"), away: []string{"zhougang"},
			want: []string{"general_manager:approve=liqiang<zhougang", "vp_quality:liability=chenjing"}},
		{name: "R-APV-5 a role nobody holds", req: parts(500_00, true, "sunli"),
			holders: map[Role][]string{RoleServiceManager: {"wangjun"}}, wantErr: "质量副总"},

		// R-TOOL-1, R-TOOL-2.
		{name: "R-TOOL-2 class 1, 6000, 13 months: 4800, service manager", req: tool(ToolClass1, 6000_00, 13, nil, "zhangwei", "zhangwei"),
			want: []string{"service_manager:approve=wangjun"}, amount: 4800_00},
		{name: "R-TOOL-2 class 2, 300, 18 months: 120", req: tool(ToolClass2, 300_00, 18, nil, "zhangwei", "zhangwei"),
			want: []string{"service_manager:approve=wangjun"}, amount: 120_00},
		{name: "R-TOOL-1 class 2 past its lifetime: nothing to pay, recorded only", req: tool(ToolClass2, 300_00, 24, nil, "zhangwei", "zhangwei"),
			want: nil, amount: 0},
		{name: "R-TOOL-2 consumable: the amount the service manager states", req: tool(ToolConsumable, 200_00, 3, fenPtr(80_00), "zhangwei", "wangjun"),
			rules: ApprovalRules{FilerMayDecide: true}, want: []string{"service_manager:approve=wangjun"}, amount: 80_00},
		{name: "R-TOOL-2 consumable stated 0: recorded, not sent for approval", req: tool(ToolConsumable, 200_00, 3, fenPtr(0), "zhangwei", "zhangwei"),
			want: nil, amount: 0},
		{name: "R-TOOL-2 consumable without a stated amount is refused", req: tool(ToolConsumable, 200_00, 3, nil, "zhangwei", "zhangwei"),
			wantErr: "赔偿金额"},
		{name: "R-TOOL-2 the service manager's own tool: one level up", req: tool(ToolClass1, 6000_00, 13, nil, "wangjun", "wangjun"),
			want: []string{"vp_after_sales:approve=liqiang^service_manager"}, amount: 4800_00},

		// R-LIA-0, R-LIA-1, R-LIA-2.
		{name: "R-LIA-0/R-LIA-1 two complaints: quality VP determines, general manager reviews", req: fine(FineBasis{Complaints: 2}, "zhangwei", "wangjun"),
			want: []string{"vp_quality:approve=chenjing", "general_manager:approve=zhougang"}, amount: 200_00},
		{name: "R-LIA-1 one complaint 50", req: fine(FineBasis{Complaints: 1}, "zhangwei", "wangjun"),
			want: []string{"vp_quality:approve=chenjing", "general_manager:approve=zhougang"}, amount: 50_00},
		{name: "R-LIA-2 loss 3000: 725", req: fine(FineBasis{Loss: 3000_00}, "zhangwei", "wangjun"),
			want: []string{"vp_quality:approve=chenjing", "general_manager:approve=zhougang"}, amount: 725_00},
		{name: "R-LIA-0 a fine against the quality VP: the general manager determines too", req: fine(FineBasis{Complaints: 1}, "chenjing", "wangjun"),
			want: []string{"general_manager:approve=zhougang^vp_quality", "general_manager:approve=zhougang"}, amount: 50_00},
		{name: "R-LIA-0 a fine against the general manager with no chairman configured is refused", req: fine(FineBasis{Complaints: 1}, "zhougang", "zhangwei"),
			wantErr: "董事长"},
		{name: "R-LIA-0 a fine against the general manager goes to the chairman", req: fine(FineBasis{Complaints: 1}, "zhougang", "zhangwei"),
			holders: func() map[Role][]string { h := testHolders(); h[RoleChairman] = []string{"huang"}; return h }(),
			want:    []string{"vp_quality:approve=chenjing", "chairman:approve=huang^general_manager"}, amount: 50_00},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _, err := tt.rules.Prepare(tt.req)
			var steps []PlannedStep
			var who []Assignment
			if err == nil {
				p := ApprovalParties{Filer: req.Requester, Payer: req.Subject, Holders: tt.holders, Away: map[string]bool{}}
				if p.Holders == nil {
					p.Holders = testHolders()
				}
				for _, u := range tt.away {
					p.Away[u] = true
				}
				steps, who, err = tt.rules.Chain(req, p)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i := range steps {
				got = append(got, stepText(steps[i], who[i]))
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("chain\n got  %v\n want %v", got, tt.want)
			}
			if req.Kind != RequestService && req.Kind != RequestParts && req.Amount != tt.amount {
				t.Errorf("amount %s, want %s (%s)", req.Amount, tt.amount, req.AmountNote)
			}
		})
	}
}

// R-APV-5: escalation follows the kind of request. A parts compensation
// climbs 零部件赔偿管理办法's ladder; the VP in charge of after-sales has no
// authority over it.
func TestNextLevelByKind_RAPV5(t *testing.T) {
	r := DefaultApprovalRules()
	for _, tt := range []struct {
		kind RequestKind
		from Role
		want Role
	}{
		{RequestParts, RoleServiceManager, RoleVPSales},
		{RequestParts, RoleVPSales, RoleGeneralManager},
		{RequestParts, RoleVPQuality, RoleGeneralManager},
		{RequestParts, RoleGeneralManager, ""},
		{RequestService, RoleServiceManager, RoleVPAfterSales},
		{RequestTool, RoleServiceManager, RoleVPAfterSales},
		{RequestFine, RoleVPQuality, RoleGeneralManager},
	} {
		if got := r.NextLevel(tt.kind, tt.from); got != tt.want {
			t.Errorf("NextLevel(%s, %s) = %q, want %q", tt.kind, tt.from, got, tt.want)
		}
	}
}

// R-APV-5: a configured ladder that loops ends with ErrNoDecider.
func TestAssignLoop_RAPV5(t *testing.T) {
	r := ApprovalRules{EscalateTo: map[Role]Role{RoleServiceManager: RoleVPAfterSales, RoleVPAfterSales: RoleServiceManager}}
	p := ApprovalParties{Filer: "x", Payer: "wangjun", Holders: map[Role][]string{RoleServiceManager: {"wangjun"}, RoleVPAfterSales: {"wangjun"}}}
	if _, err := r.Assign(RequestTool, ActionApprove, RoleServiceManager, p); !errors.Is(err, ErrNoDecider) {
		t.Fatalf("err = %v", err)
	}
}
