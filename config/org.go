package config

import "github.com/servicebot/servicebot"

// OrgFile is servicebot.Org as the configuration file spells it (org:): the
// file's keys live here, the domain type carries none.
type OrgFile struct {
	// AfterSalesDepartments are WeCom department ids; their active members
	// (and those of their sub-departments, as synced) who hold the engineer
	// role, or hold no configured role at all, report daily.
	AfterSalesDepartments []int64 `yaml:"after_sales_departments"`
	// Roles maps a role to the userids holding it.
	Roles map[servicebot.Role][]string `yaml:"roles"`
	// Regions maps an engineer's userid to a region (R-ORG-2).
	Regions map[string]string `yaml:"regions"`
	// Exempt userids never owe a daily report (e.g. the manager himself).
	Exempt []string `yaml:"exempt"`
}

// OrgFileOf is o as the file spells it (the demo writes its configuration).
func OrgFileOf(o servicebot.Org) OrgFile {
	return OrgFile{AfterSalesDepartments: o.AfterSalesDepartments, Roles: o.Roles, Regions: o.Regions, Exempt: o.Exempt}
}

// Org is the department the file describes.
func (f OrgFile) Org() servicebot.Org {
	return servicebot.Org{AfterSalesDepartments: f.AfterSalesDepartments, Roles: f.Roles, Regions: f.Regions, Exempt: f.Exempt}
}

// fileShape is the configuration file: Config's settings, with the
// department under org: in the file's own spelling.
type fileShape struct {
	Config `yaml:",inline"`
	Org    OrgFile `yaml:"org"`
}
