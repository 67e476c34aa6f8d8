package forms

import (
	"testing"

	"github.com/servicebot/servicebot"
)

// R-TOOL-2 interpretation: a consumable on the 服务器械赔偿单 carries the
// amount the service manager states; without one the form says so; a
// class-1 tool needs none (its amount is computed).
func TestToolFormConsumableAmount_RTOOL2(t *testing.T) {
	t.Parallel()
	base := func(class, amount string) servicebot.FormValues {
		return servicebot.FormValues{fieldToolName: "工作服", fieldToolClass: class, fieldToolPrice: "200",
			fieldToolMonths: "5", fieldToolAmount: amount}
	}
	tool, errs := toolOf(base("消耗品（工具箱、工作服、胶管、卷尺等）", "80"))
	if len(errs) != 0 || tool.Class != servicebot.ToolConsumable || tool.Stated == nil || *tool.Stated != 80_00 {
		t.Errorf("stated 80: %+v %v", tool, errs)
	}
	if tool, errs := toolOf(base("消耗品（工具箱、工作服、胶管、卷尺等）", "0")); len(errs) != 0 || tool.Stated == nil || *tool.Stated != 0 {
		t.Errorf("stated 0: %+v %v", tool, errs)
	}
	if _, errs := toolOf(base("消耗品（工具箱、工作服、胶管、卷尺等）", "")); errs[fieldToolAmount] == "" {
		t.Errorf("no amount for a consumable: %v", errs)
	}
	if tool, errs := toolOf(base("一类耐用品（笔记本电脑、相机、游标卡尺、万用表）", "")); len(errs) != 0 || tool.Stated != nil {
		t.Errorf("class 1: %+v %v", tool, errs)
	}
}
