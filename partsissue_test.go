package servicebot

import (
	"reflect"
	"strings"
	"testing"
)

// R-SVC-3: parts leave the warehouse only against an approved request, by
// a warehouse keeper, in named parts and positive numbers.
func TestCheckPartsIssue_RSVC3(t *testing.T) {
	org := Org{Roles: map[Role][]string{RoleWarehouse: {"kuguan"}, RoleServiceManager: {"sunli"}}}
	approved := Approval{Request: ApprovalRequest{ID: 12, Kind: RequestParts, Status: ApprovalApproved}}
	pending := Approval{Request: ApprovalRequest{ID: 13, Kind: RequestParts, Status: ApprovalPending}}
	fine := Approval{Request: ApprovalRequest{ID: 14, Kind: RequestFine, Status: ApprovalApproved}}
	parts := []IssuedPart{{"密封圈", 4}}
	for _, tt := range []struct {
		name   string
		a      Approval
		issuer string
		parts  []IssuedPart
		want   string
	}{
		{"approved parts compensation by the keeper", approved, "kuguan", parts, ""},
		{"approved service request", Approval{Request: ApprovalRequest{ID: 15, Kind: RequestService, Status: ApprovalApproved}}, "kuguan", parts, ""},
		{"pending request refused", pending, "kuguan", parts, "尚未审批通过"},
		{"rejected request refused", Approval{Request: ApprovalRequest{ID: 16, Kind: RequestParts, Status: ApprovalRejected}}, "kuguan", parts, "已驳回"},
		{"not a parts request", fine, "kuguan", parts, "不是配件赔偿"},
		{"not the warehouse keeper", approved, "sunli", parts, "只有仓库管理员"},
		{"no parts", approved, "kuguan", nil, "没有出库的配件"},
		{"zero quantity", approved, "kuguan", []IssuedPart{{"轴承", 0}}, "数量 0 无效"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(CheckPartsIssue(tt.a, tt.issuer, org, tt.parts), "；")
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("problems %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParsePartsIssue_RSVC3(t *testing.T) {
	id, parts, problems := ParsePartsIssue("#12 密封圈×4 轴承x2，垫片*10个")
	want := []IssuedPart{{"密封圈", 4}, {"轴承", 2}, {"垫片", 10}}
	if id != 12 || !reflect.DeepEqual(parts, want) || problems != nil {
		t.Errorf("%d %v %v", id, parts, problems)
	}
	if PartsText(parts) != "密封圈×4、轴承×2、垫片×10" {
		t.Errorf("text %q", PartsText(parts))
	}
	for _, in := range []string{"", "密封圈×4", "#12", "#12 密封圈"} {
		if _, _, p := ParsePartsIssue(in); len(p) == 0 {
			t.Errorf("%q: no problem found", in)
		}
	}
}
