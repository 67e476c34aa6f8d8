package servicebot

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// IssuedPart is one line of a parts issue: what left the warehouse, how many.
type IssuedPart struct {
	Name     string `json:"name"`
	Quantity int    `json:"quantity"`
}

// PartsIssue is a record of replacement parts leaving the warehouse against
// an approved request (R-SVC-3, 第二十八条).
type PartsIssue struct {
	ID        int64
	RequestID int64
	Parts     []IssuedPart
	IssuedBy  string // the warehouse keeper
	IssuedAt  time.Time
	Note      string
}

// EventPartsIssued is the audit action of a parts issue on its request.
const EventPartsIssued = "parts_issued"

// PartsText writes the parts as people read them: "密封圈×4、轴承×2".
func PartsText(parts []IssuedPart) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = fmt.Sprintf("%s×%d", p.Name, p.Quantity)
	}
	return strings.Join(out, "、")
}

// PartsIssueCommand starts a warehouse keeper's issue in chat:
// 出库 #12 密封圈×4 轴承×2.
const PartsIssueCommand = "出库"

var (
	issueRequestRe = regexp.MustCompile(`^#?(\d+)\s*`)
	issuePartRe    = regexp.MustCompile(`^(.+?)\s*[×xX*＊]\s*(\d+)\s*(?:个|件|套|只|根|条)?$`)
)

// ParsePartsIssue reads "#12 密封圈×4 轴承x2，垫片*10" (the words after
// 出库): the request number and the parts. Problems come back in Chinese.
func ParsePartsIssue(args string) (requestID int64, parts []IssuedPart, problems []string) {
	args = strings.TrimSpace(args)
	m := issueRequestRe.FindStringSubmatch(args)
	if m == nil {
		return 0, nil, []string{"请写明申请编号，例如：出库 #12 密封圈×4 轴承×2"}
	}
	requestID, _ = strconv.ParseInt(m[1], 10, 64)
	rest := args[len(m[0]):]
	for _, item := range strings.FieldsFunc(rest, func(r rune) bool {
		return r == ' ' || r == '，' || r == ',' || r == '、' || r == '；' || r == ';' || r == '\n'
	}) {
		pm := issuePartRe.FindStringSubmatch(item)
		if pm == nil {
			problems = append(problems, fmt.Sprintf("「%s」没有写数量，请写成 名称×数量", item))
			continue
		}
		n, err := strconv.Atoi(pm[2])
		if err != nil || n <= 0 {
			problems = append(problems, fmt.Sprintf("「%s」的数量须为正整数", item))
			continue
		}
		parts = append(parts, IssuedPart{Name: pm[1], Quantity: n})
	}
	if len(parts) == 0 && len(problems) == 0 {
		problems = append(problems, "请写明出库的配件和数量，例如：出库 #12 密封圈×4")
	}
	return requestID, parts, problems
}

// CheckPartsIssue lists why parts may not leave the warehouse against a
// (R-SVC-3): only a warehouse keeper issues, only against an approved parts
// compensation or service request, and only named parts in positive numbers.
func CheckPartsIssue(a Approval, issuer string, org Org, parts []IssuedPart) []string {
	var p []string
	if !org.Has(issuer, RoleWarehouse) {
		p = append(p, "只有仓库管理员可以登记出库")
	}
	r := a.Request
	if !slices.Contains([]RequestKind{RequestParts, RequestService}, r.Kind) {
		p = append(p, fmt.Sprintf("申请 #%d 是%s，不是配件赔偿或售后服务申请", r.ID, r.Kind.Name()))
	} else if r.Status != ApprovalApproved {
		p = append(p, fmt.Sprintf("申请 #%d 尚未审批通过（%s），配件不能出库（R-SVC-3）", r.ID, approvalStatusName(r.Status)))
	}
	if len(parts) == 0 {
		p = append(p, "没有出库的配件")
	}
	for _, part := range parts {
		if strings.TrimSpace(part.Name) == "" || part.Quantity <= 0 {
			p = append(p, fmt.Sprintf("配件「%s」数量 %d 无效", part.Name, part.Quantity))
		}
	}
	return p
}

func approvalStatusName(s string) string {
	switch s {
	case ApprovalPending:
		return "审批中"
	case ApprovalRejected:
		return "已驳回"
	case ApprovalWithdrawn:
		return "已撤回"
	case ApprovalApproved:
		return "已通过"
	}
	return s
}
