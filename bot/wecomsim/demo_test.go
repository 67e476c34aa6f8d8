package wecomsim_test

import (
	"strings"
	"testing"

	"github.com/servicebot/servicebot/bot/wecomsim"
)

// R-ORG-1, R-ORG-2: the demo directory has every role and two engineers per default region.
func TestDemoDirectory(t *testing.T) {
	departments, members := wecomsim.DemoDirectory()
	known := make(map[int64]bool)
	for _, d := range departments {
		if d.ParentID != 0 && !known[d.ParentID] {
			t.Errorf("department %s listed before its parent", d.Name)
		}
		known[d.ID] = true
	}
	regions := map[string]int{}
	roles := map[string]int{}
	ids := map[string]bool{}
	for _, m := range members {
		if ids[m.UserID] || m.UserID != strings.ToLower(m.UserID) || m.Name == "" {
			t.Errorf("bad or repeated member %+v", m)
		}
		ids[m.UserID] = true
		for _, d := range m.Departments {
			if !known[d] {
				t.Errorf("%s is in unknown department %d", m.Name, d)
			}
		}
		if strings.HasPrefix(m.Position, "售后服务工程师") {
			for _, r := range []string{"西南", "华北东北", "其他"} {
				if strings.Contains(m.Position, r) {
					regions[r]++
				}
			}
			continue
		}
		roles[m.Position]++
	}
	for _, r := range []string{"西南", "华北东北", "其他"} {
		if regions[r] != 2 {
			t.Errorf("region %s has %d engineers, want 2", r, regions[r])
		}
	}
	if !strings.Contains(members[0].Position, "四川、重庆、云南、贵州") {
		t.Errorf("the 西南 position should name its provinces: %q", members[0].Position)
	}
	for _, role := range []string{"售后服务部经理", "分管售后副总", "分管销售副总", "质量副总", "总经理"} {
		if roles[role] != 1 {
			t.Errorf("role %s held by %d members, want 1", role, roles[role])
		}
	}
	if !ids["zhangwei"] {
		t.Error("zhangwei (张伟) is the engineer the docs and tests use")
	}
}
