package servicebot

import (
	"slices"
	"time"
)

// Role is a part a person plays in the department (R-ORG-1). A person may
// hold several. Roles come from configuration keyed by WeCom userid.
type Role string

// The roles of R-ORG-1.
const (
	RoleEngineer       Role = "engineer"        // 售后服务人员
	RoleServiceManager Role = "service_manager" // 售后服务部经理
	RoleVPAfterSales   Role = "vp_after_sales"  // 分管副总
	RoleVPSales        Role = "vp_sales"        // 分管销售副总
	RoleVPQuality      Role = "vp_quality"      // 质量副总
	RoleGeneralManager Role = "general_manager" // 总经理
	RoleSales          Role = "sales"           // 销售部
	RoleSalesClerk     Role = "sales_clerk"     // 销售内勤
	RoleArchivist      Role = "archivist"       // 档案管理人员
	// RoleWarehouse issues replacement parts against approved requests (R-SVC-3).
	RoleWarehouse Role = "warehouse_keeper" // 仓库管理员
	// RoleChairman reviews a liability case about the general manager
	// himself: nobody decides a case about themselves (R-LIA-0, R-APV-5).
	RoleChairman Role = "chairman" // 董事长
)

// Roles lists every role in the order of R-ORG-1.
var Roles = []Role{RoleEngineer, RoleServiceManager, RoleVPAfterSales, RoleVPSales, RoleVPQuality,
	RoleGeneralManager, RoleSales, RoleSalesClerk, RoleArchivist, RoleWarehouse, RoleChairman}

// Name is the Chinese name users read.
func (r Role) Name() string {
	switch r {
	case RoleEngineer:
		return "售后服务人员"
	case RoleServiceManager:
		return "售后服务部经理"
	case RoleVPAfterSales:
		return "分管副总"
	case RoleVPSales:
		return "分管销售副总"
	case RoleVPQuality:
		return "质量副总"
	case RoleGeneralManager:
		return "总经理"
	case RoleSales:
		return "销售部"
	case RoleSalesClerk:
		return "销售内勤"
	case RoleArchivist:
		return "档案管理人员"
	case RoleWarehouse:
		return "仓库管理员"
	case RoleChairman:
		return "董事长"
	}
	return string(r)
}

// Default regions of R-ORG-2.
const (
	RegionSouthwest = "西南" // 四川、重庆、云南、贵州
	RegionNorth     = "华北东北"
	RegionOther     = "其他"
)

// Department is one department of the WeCom address book as last synced.
type Department struct {
	ID       int64
	ParentID int64 // 0 for the root
	Name     string
}

// Member is a person in the WeCom address book as last synced, with what the
// configuration says of them.
type Member struct {
	UserID      string
	Name        string
	Departments []int64
	Position    string
	Mobile      string
	Active      bool // false once they left the address book
	SyncedAt    time.Time
}

// Org is the department as configured (R-ORG-1, R-ORG-2): which WeCom
// departments are after-sales, who holds which role, each engineer's region,
// and who is exempt from the daily report.
type Org struct {
	// AfterSalesDepartments are WeCom department ids; their active members
	// (and those of their sub-departments, as synced) who hold the engineer
	// role, or hold no configured role at all, report daily.
	AfterSalesDepartments []int64
	// Roles maps a role to the userids holding it.
	Roles map[Role][]string
	// Regions maps an engineer's userid to a region (R-ORG-2).
	Regions map[string]string
	// Exempt userids never owe a daily report (e.g. the manager himself).
	Exempt []string
}

// RolesOf returns the roles configured for userID.
func (o Org) RolesOf(userID string) []Role {
	var out []Role
	for _, r := range Roles {
		if slices.Contains(o.Roles[r], userID) {
			out = append(out, r)
		}
	}
	return out
}

// Has reports whether userID holds role.
func (o Org) Has(userID string, role Role) bool { return slices.Contains(o.Roles[role], userID) }

// MayEnterKPI reports whether userID may record the manager's KPI inputs
// and drafts (R-KPI-1…13 "manager input"): the service manager, the VP in
// charge or the general manager — the same for the API and the CLI.
func (o Org) MayEnterKPI(userID string) bool { return o.IsManager(userID) }

// IsManager reports whether userID manages the department: the service
// manager, the VP in charge or the general manager. Managers record the
// KPI inputs and may record leave for others.
func (o Org) IsManager(userID string) bool {
	return o.Has(userID, RoleServiceManager) || o.Has(userID, RoleVPAfterSales) || o.Has(userID, RoleGeneralManager)
}

// Holders returns the userids holding role.
func (o Org) Holders(role Role) []string { return o.Roles[role] }

// RegionOf returns the engineer's region, RegionOther when none is set.
func (o Org) RegionOf(userID string) string {
	if r, ok := o.Regions[userID]; ok && r != "" {
		return r
	}
	return RegionOther
}

// OwesDailyReport reports whether m must send a daily report (R-DAY-1): an
// active member of an after-sales department who is an engineer, or holds no
// configured role at all (a new hire is an engineer until told otherwise),
// and is not exempt.
func (o Org) OwesDailyReport(m Member) bool {
	if !m.Active || slices.Contains(o.Exempt, m.UserID) {
		return false
	}
	inDept := false
	for _, d := range m.Departments {
		if slices.Contains(o.AfterSalesDepartments, d) {
			inDept = true
			break
		}
	}
	if !inDept {
		return false
	}
	roles := o.RolesOf(m.UserID)
	return len(roles) == 0 || slices.Contains(roles, RoleEngineer)
}
