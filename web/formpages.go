package web

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/forms"
)

// Form posts name a table cell "<field>.<row>.<column>"; a table keeps at
// most maxRows rows, and a page shows blankRows empty ones to fill.
const (
	maxRows   = 100
	blankRows = 2
)

// Photo types accepted: what phones' cameras and galleries produce.
var photoTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp"}

type formView struct {
	Def     servicebot.FormDef
	Fields  []fieldView
	DraftID int64
	JobID   string
	CSRF    string
}

type fieldView struct {
	servicebot.FormField
	Text   string
	List   []string
	Rows   []rowView
	Photos []string // photo ids
	Error  string
}

type rowView struct {
	Index int
	Cells []cellView
}

type cellView struct {
	servicebot.FormField
	Input string // the input's name
	Value string
}

func (s *Server) view(def servicebot.FormDef, v Viewer, values servicebot.FormValues, errs servicebot.FieldErrors,
	draftID, jobID int64) formView {
	fv := formView{Def: def, DraftID: draftID, CSRF: v.csrf}
	if jobID != 0 {
		fv.JobID = strconv.FormatInt(jobID, 10)
	}
	for _, f := range def.Fields {
		x := fieldView{FormField: f, Error: errs[f.Name]}
		switch f.Type {
		case servicebot.FieldMultiSelect:
			x.List = values.List(f.Name)
		case servicebot.FieldPhoto:
			x.Photos = values.List(f.Name)
		case servicebot.FieldTable:
			rows := values.Rows(f.Name)
			for i := range len(rows) + blankRows {
				var row map[string]string
				if i < len(rows) {
					row = rows[i]
				}
				rv := rowView{Index: i}
				for _, c := range f.Columns {
					rv.Cells = append(rv.Cells, cellView{FormField: c, Input: cellName(f.Name, i, c.Name), Value: row[c.Name]})
				}
				x.Rows = append(x.Rows, rv)
			}
		default:
			x.Text = values.Text(f.Name)
		}
		fv.Fields = append(fv.Fields, x)
	}
	return fv
}

func cellName(field string, row int, col string) string {
	return fmt.Sprintf("%s.%d.%s", field, row, col)
}

// formFor finds the form of the path and checks the viewer may fill it in.
func (s *Server) formFor(w http.ResponseWriter, r *http.Request, v Viewer) (servicebot.FormDef, bool) {
	def, ok := s.forms.Catalog().Form(r.PathValue("id"))
	if !ok {
		s.fail(w, r, v, http.StatusNotFound, "表单不存在", "没有这个表单，请从首页选择。")
		return def, false
	}
	if !v.MayFill(def) {
		s.refuse(w, r, v)
		return def, false
	}
	return def, true
}

// formPage shows a form: empty, or a draft being continued (?draft=ID),
// or pre-linked to a job (?job=ID).
func (s *Server) formPage(w http.ResponseWriter, r *http.Request, v Viewer) {
	def, ok := s.formFor(w, r, v)
	if !ok {
		return
	}
	jobID, _ := strconv.ParseInt(r.URL.Query().Get("job"), 10, 64)
	values := servicebot.FormValues{}
	var draftID int64
	if d := r.URL.Query().Get("draft"); d != "" {
		id, _ := strconv.ParseInt(d, 10, 64)
		sub, err := s.db.FormSubmission(r.Context(), id)
		switch {
		case errors.Is(err, servicebot.ErrNotFound) || (err == nil && (sub.UserID != v.UserID || sub.FormID != def.ID)):
			s.fail(w, r, v, http.StatusNotFound, "草稿不存在", "没有找到这份草稿。")
			return
		case err != nil:
			s.internal(w, r, v, err)
			return
		case sub.Status != servicebot.SubmissionDraft:
			http.Redirect(w, r, fmt.Sprintf("/web/submissions/%d", sub.ID), http.StatusSeeOther)
			return
		}
		values, draftID, jobID = sub.Values, sub.ID, sub.JobID
	}
	if jobID != 0 && draftID == 0 {
		// A link from the 完成 reply or the digest: the job's customer and
		// machine are filled in (R-VIS-2).
		j, err := s.db.Job(r.Context(), jobID)
		switch {
		case errors.Is(err, servicebot.ErrNotFound):
		case err != nil:
			s.internal(w, r, v, err)
			return
		default:
			if _, ok := def.Field(forms.FieldCustomer); ok {
				values[forms.FieldCustomer] = j.Customer
			}
			if _, ok := def.Field("serial_no"); ok && j.Serial != "" {
				values["serial_no"] = j.Serial
			}
		}
	}
	notice := ""
	if r.URL.Query().Get("saved") == "1" {
		notice = "草稿已保存，可稍后继续填写。"
	}
	s.render(w, r, http.StatusOK, "form.html", pageData{Title: def.Title, Viewer: v, Notice: notice,
		Form: s.view(def, v, values, nil, draftID, jobID)})
}

// formPost saves a draft (action=draft) or submits (action=submit).
func (s *Server) formPost(w http.ResponseWriter, r *http.Request, v Viewer) {
	def, ok := s.formFor(w, r, v)
	if !ok {
		return
	}
	draftID, _ := strconv.ParseInt(r.PostFormValue("draft_id"), 10, 64)
	values, errs := valuesOf(def, r)
	var jobID int64
	if j := strings.TrimSpace(r.PostFormValue("job_id")); j != "" {
		id, err := strconv.ParseInt(j, 10, 64)
		if err != nil || id <= 0 {
			errs["job_id"] = "工单号须为数字"
		}
		jobID = id
	}
	photoErrs, err := s.storePhotos(r, def, v, values)
	if err != nil {
		s.internal(w, r, v, err)
		return
	}
	for k, m := range photoErrs {
		errs[k] = m
	}
	again := func(status int, errs servicebot.FieldErrors) {
		s.render(w, r, status, "form.html", pageData{Title: def.Title, Viewer: v, Errors: errs,
			Form: s.view(def, v, values, errs, draftID, jobID)})
	}
	if len(errs) > 0 {
		again(http.StatusUnprocessableEntity, errs)
		return
	}
	in := forms.Filled{FormID: def.ID, DraftID: draftID, UserID: v.UserID, JobID: jobID, Values: values}
	if r.PostFormValue("action") == "draft" {
		sub, err := s.forms.SaveDraft(r.Context(), in)
		if errors.Is(err, servicebot.ErrNotFound) {
			s.fail(w, r, v, http.StatusConflict, "草稿已失效", "这份草稿已提交或不存在，请重新填写。")
			return
		}
		if err != nil {
			s.internal(w, r, v, err)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/web/forms/%s?draft=%d&saved=1", def.ID, sub.ID), http.StatusSeeOther)
		return
	}
	sub, err := s.forms.Submit(r.Context(), in)
	var fe servicebot.FieldErrors
	switch {
	case errors.As(err, &fe):
		again(http.StatusUnprocessableEntity, fe)
		return
	case errors.Is(err, servicebot.ErrNotFound):
		s.fail(w, r, v, http.StatusConflict, "草稿已失效", "这份草稿已提交或不存在，请重新填写。")
		return
	case err != nil:
		s.internal(w, r, v, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/web/submissions/%d?new=1", sub.ID), http.StatusSeeOther)
}

// valuesOf reads the posted values of def's fields. Photos already stored
// come as their ids; new ones are read by storePhotos.
func valuesOf(def servicebot.FormDef, r *http.Request) (servicebot.FormValues, servicebot.FieldErrors) {
	values := servicebot.FormValues{}
	errs := servicebot.FieldErrors{}
	for _, f := range def.Fields {
		switch f.Type {
		case servicebot.FieldMultiSelect, servicebot.FieldPhoto:
			// An empty file input comes as a value "" under the field's name.
			list := slices.DeleteFunc(slices.Clone(r.PostForm[f.Name]), func(s string) bool { return strings.TrimSpace(s) == "" })
			if len(list) > 0 {
				values[f.Name] = list
			}
		case servicebot.FieldTable:
			var rows []map[string]string
			for i := range maxRows + 1 {
				row := map[string]string{}
				found := false
				for _, c := range f.Columns {
					if vals, ok := r.PostForm[cellName(f.Name, i, c.Name)]; ok {
						found = true
						if len(vals) > 0 && strings.TrimSpace(vals[0]) != "" {
							row[c.Name] = vals[0]
						}
					}
				}
				if !found {
					break
				}
				if i == maxRows {
					errs[f.Name] = fmt.Sprintf("%s最多 %d 行", f.Label, maxRows)
					break
				}
				if len(row) > 0 {
					rows = append(rows, row)
				}
			}
			if len(rows) > 0 {
				values[f.Name] = rows
			}
		default:
			if s := r.PostFormValue(f.Name); s != "" {
				values[f.Name] = s
			}
		}
	}
	return values, errs
}

// storePhotos stores the photos uploaded with the post and adds their ids
// to values. They are kept even when the form is not valid yet, so the page
// shown again still has them; they belong to the uploader until a saved
// submission names them.
func (s *Server) storePhotos(r *http.Request, def servicebot.FormDef, v Viewer, values servicebot.FormValues) (servicebot.FieldErrors, error) {
	errs := servicebot.FieldErrors{}
	if r.MultipartForm == nil {
		return errs, nil
	}
	for _, f := range def.Fields {
		if f.Type != servicebot.FieldPhoto {
			continue
		}
		ids := values.List(f.Name)
		for _, fh := range r.MultipartForm.File[f.Name] {
			if fh.Size == 0 && fh.Filename == "" {
				continue // an empty file input
			}
			if len(ids) >= s.cfg.MaxPhotos {
				errs[f.Name] = fmt.Sprintf("%s最多 %d 张", f.Label, s.cfg.MaxPhotos)
				break
			}
			if fh.Size > s.cfg.MaxPhotoBytes {
				errs[f.Name] = fmt.Sprintf("照片“%s”超过 %d MB，请压缩后再上传", fh.Filename, s.cfg.MaxPhotoBytes>>20)
				continue
			}
			content, err := readFile(fh)
			if err != nil {
				return nil, err
			}
			ctype := http.DetectContentType(content)
			if !slices.Contains(photoTypes, ctype) {
				errs[f.Name] = fmt.Sprintf("“%s”不是照片（支持 JPG、PNG、GIF、WebP）", fh.Filename)
				continue
			}
			id, err := s.db.AddFormPhoto(r.Context(), servicebot.FormPhoto{UserID: v.UserID, Filename: fh.Filename,
				ContentType: ctype, Content: content, CreatedAt: s.cfg.Clock.Now()})
			if err != nil {
				return nil, err
			}
			ids = append(ids, strconv.FormatInt(id, 10))
		}
		if len(ids) > 0 {
			values[f.Name] = ids
		}
	}
	return errs, nil
}

func readFile(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("web: read upload: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("web: read upload: %w", err)
	}
	return b, nil
}

// photo serves a stored photo to its uploader and to whoever may read the
// submission it belongs to.
func (s *Server) photo(w http.ResponseWriter, r *http.Request, v Viewer) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	p, err := s.db.FormPhoto(r.Context(), id)
	if errors.Is(err, servicebot.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.internal(w, r, v, err)
		return
	}
	allowed := p.UserID == v.UserID
	if !allowed && p.SubmissionID != 0 {
		sub, err := s.db.FormSubmission(r.Context(), p.SubmissionID)
		if err != nil {
			s.internal(w, r, v, err)
			return
		}
		allowed = v.MayView(sub)
	}
	if !allowed {
		s.refuse(w, r, v)
		return
	}
	w.Header().Set("Content-Type", p.ContentType)
	w.Header().Set("Cache-Control", "private, max-age=86400")
	_, _ = w.Write(p.Content)
}

// Filled reports whether the row has a value (a page shows blank rows to
// fill; a record shows only the filled ones).
func (r rowView) Filled() bool {
	return slices.ContainsFunc(r.Cells, func(c cellView) bool { return c.Value != "" })
}
