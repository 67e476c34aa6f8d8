package wecomsim

// Departments of the demo company.
const (
	DemoDeptCompany    int64 = 1
	DemoDeptAfterSales int64 = 2
	DemoDeptSales      int64 = 3
	DemoDeptQuality    int64 = 4
	DemoDeptLeadership int64 = 5
)

// DemoDirectory is the address book of `servicebot demo`: an after-sales
// department of six engineers over the default regions of R-ORG-2 (two each;
// the region is in Position), its manager, the four executives of R-ORG-1,
// and the sales staff, sales clerk and archivist the forms involve. User ids
// are the pinyin of the names.
func DemoDirectory() ([]Department, []Member) {
	departments := []Department{
		{ID: DemoDeptCompany, ParentID: 0, Name: "演示机械有限公司"},
		{ID: DemoDeptAfterSales, ParentID: DemoDeptCompany, Name: "售后服务部"},
		{ID: DemoDeptSales, ParentID: DemoDeptCompany, Name: "销售部"},
		{ID: DemoDeptQuality, ParentID: DemoDeptCompany, Name: "质量部"},
		{ID: DemoDeptLeadership, ParentID: DemoDeptCompany, Name: "公司领导"},
	}
	const (
		southwest = "售后服务工程师（西南：四川、重庆、云南、贵州）"
		northeast = "售后服务工程师（华北东北）"
		other     = "售后服务工程师（其他）"
	)
	members := []Member{
		{UserID: "zhangwei", Name: "张伟", Departments: []int64{DemoDeptAfterSales}, Position: southwest, Mobile: "13800000001"},
		{UserID: "liqiang", Name: "李强", Departments: []int64{DemoDeptAfterSales}, Position: southwest, Mobile: "13800000002"},
		{UserID: "wangjun", Name: "王军", Departments: []int64{DemoDeptAfterSales}, Position: northeast, Mobile: "13800000003"},
		{UserID: "zhaolei", Name: "赵磊", Departments: []int64{DemoDeptAfterSales}, Position: northeast, Mobile: "13800000004"},
		{UserID: "liuyang", Name: "刘洋", Departments: []int64{DemoDeptAfterSales}, Position: other, Mobile: "13800000005"},
		{UserID: "chenhao", Name: "陈浩", Departments: []int64{DemoDeptAfterSales}, Position: other, Mobile: "13800000006"},
		{UserID: "sunli", Name: "孙丽", Departments: []int64{DemoDeptAfterSales}, Position: "售后服务部经理", Mobile: "13800000007"},
		{UserID: "hejing", Name: "何静", Departments: []int64{DemoDeptAfterSales}, Position: "档案管理员", Mobile: "13800000008"},
		{UserID: "zhoujianguo", Name: "周建国", Departments: []int64{DemoDeptLeadership}, Position: "分管售后副总", Mobile: "13800000009"},
		{UserID: "wuhaitao", Name: "吴海涛", Departments: []int64{DemoDeptLeadership}, Position: "分管销售副总", Mobile: "13800000010"},
		{UserID: "zhengmin", Name: "郑敏", Departments: []int64{DemoDeptLeadership, DemoDeptQuality}, Position: "质量副总", Mobile: "13800000011"},
		{UserID: "huangzhiqiang", Name: "黄志强", Departments: []int64{DemoDeptLeadership}, Position: "总经理", Mobile: "13800000012"},
		{UserID: "yangfan", Name: "杨帆", Departments: []int64{DemoDeptSales}, Position: "销售工程师", Mobile: "13800000013"},
		{UserID: "xuli", Name: "徐丽", Departments: []int64{DemoDeptSales}, Position: "销售内勤", Mobile: "13800000014"},
	}
	return departments, members
}
