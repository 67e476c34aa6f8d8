package forms

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/servicebot/servicebot"
)

// Field names of the request forms, which the approval needs by meaning.
const (
	fieldReason       = "reason"
	fieldRegion       = "region"
	fieldUrgent       = "urgent"
	fieldAmount       = "amount"
	fieldEvidenceKind = "evidence_kind"
	fieldToolClass    = "tool_class"
	fieldToolName     = "tool_name"
	fieldToolPrice    = "tool_price"
	fieldToolMonths   = "tool_months"
	fieldToolAmount   = "tool_amount"
)

// Evidence options of 售后赔偿申请单 (R-APV-1), as the form offers them.
var evidenceKinds = map[string]string{
	"客户质量问题来函":     servicebot.EvidenceFaultLetter,
	"设备损坏状况报告（照片）": servicebot.EvidenceDamageReport,
}

// requestOf builds the approval request a valid request form files. The
// form definitions carry the fields; this maps them onto the request's
// typed fields, which the approval rules route by.
func requestOf(def servicebot.FormDef, userID string, v servicebot.FormValues) (servicebot.ApprovalRequest, servicebot.FieldErrors) {
	req := servicebot.ApprovalRequest{Kind: def.Request, Requester: userID,
		Customer: v.Text(FieldCustomer), Reason: v.Text(fieldReason)}
	errs := servicebot.FieldErrors{}
	switch def.Request {
	case servicebot.RequestService:
		req.ServiceType = def.ServiceType
		req.Region = v.Text(fieldRegion)
		req.Site = siteOf(v)
	case servicebot.RequestParts:
		req.Urgent = v.Text(fieldUrgent) == servicebot.CheckboxTicked
		amount, err := servicebot.ParseFen(v.Text(fieldAmount))
		if err != nil || amount <= 0 {
			errs[fieldAmount] = "赔偿总金额须大于 0"
		}
		req.Amount = amount
		kind, ok := evidenceKinds[v.Text(fieldEvidenceKind)]
		if !ok {
			errs[fieldEvidenceKind] = "请选择赔偿依据（R-APV-1）"
		}
		req.Evidence.Kind = kind
	case servicebot.RequestTool:
		req.Subject = userID
		tool, problems := toolOf(v)
		for k, m := range problems {
			errs[k] = m
		}
		req.Tool = &tool
	default:
		errs[""] = fmt.Sprintf("表单 %s 的申请类型 %q 无法提交", def.ID, def.Request)
	}
	if len(errs) > 0 {
		return req, errs
	}
	return req, nil
}

// siteOf is what a service request form says of the site, the machine and
// the fault (R-SVC-2), whichever of those fields its form has.
func siteOf(v servicebot.FormValues) *servicebot.ServiceSite {
	t := func(name string) string { return strings.TrimSpace(v.Text(name)) }
	s := servicebot.ServiceSite{Address: t("address"), Contact: t("contact"), Phone: t("phone"), Model: t("model"),
		Serial: t("serial_no"), FactoryDate: t("factory_date"), FaultTime: t("fault_time"), FaultCause: t("fault_cause"),
		FaultExtent: t("fault_extent"), InspectionRecord: t("inspection_record"), SiteConditions: t("site_conditions")}
	if s == (servicebot.ServiceSite{}) {
		return nil
	}
	return &s
}

func toolOf(v servicebot.FormValues) (servicebot.ToolLoss, servicebot.FieldErrors) {
	errs := servicebot.FieldErrors{}
	t := servicebot.ToolLoss{Name: v.Text(fieldToolName)}
	for _, c := range []servicebot.ToolClass{servicebot.ToolClass1, servicebot.ToolClass2, servicebot.ToolConsumable} {
		if strings.HasPrefix(v.Text(fieldToolClass), c.Name()) {
			t.Class = c
		}
	}
	if t.Class == "" {
		errs[fieldToolClass] = "请选择器械类别"
	}
	price, err := servicebot.ParseFen(v.Text(fieldToolPrice))
	if err != nil || price <= 0 {
		errs[fieldToolPrice] = "器械原价须大于 0"
	}
	t.Price = price
	months, err := strconv.Atoi(v.Text(fieldToolMonths))
	if err != nil || months < 0 {
		errs[fieldToolMonths] = "使用月数须为不小于 0 的整数"
	}
	t.Months = months
	if t.Class == servicebot.ToolConsumable {
		// R-TOOL-2 interpretation: consumables have no rate; the amount is
		// the one the service manager states (0: recorded, not approved).
		amount, err := servicebot.ParseFen(v.Text(fieldToolAmount))
		if strings.TrimSpace(v.Text(fieldToolAmount)) == "" || err != nil || amount < 0 {
			errs[fieldToolAmount] = "消耗品没有折旧比例，请填写售后服务部经理核定的赔偿金额（0 元只登记，不送审批）"
		} else {
			t.Stated = &amount
		}
	}
	return t, errs
}
