package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servicebot/servicebot/store"
)

// `servicebot import`: a dry run lists every bad row and stores nothing
// (exit status non-zero); --commit on a clean file stores it, and again
// changes nothing.
func TestImportCommand_DryRunThenCommitTwice(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dbURL := "sqlite:" + filepath.Join(dir, "sb.db")
	cfgPath := filepath.Join(dir, "servicebot.yaml")
	if err := os.WriteFile(cfgPath, []byte("database_url: \""+dbURL+"\"\nlog_format: text\nlog_level: warn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.csv")
	good := filepath.Join(dir, "good.csv")
	header := "客户名称,客户类别,区域\n"
	if err := os.WriteFile(bad, []byte(header+"成都精工机械,重点客户,西南\n昆明机床,VIP,西南\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, []byte(header+"成都精工机械,重点客户,西南\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := lookupFrom(nil)
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"migrate", "--config", cfgPath}, &stdout, &stderr, env); err != nil {
		t.Fatalf("migrate: %v\n%s", err, stderr.String())
	}
	cases := []struct {
		args    []string
		wantErr bool
		want    string
	}{
		{[]string{"import", "customers", bad, "--config", cfgPath, "--commit"}, true, "第3行：客户类别「VIP」无法识别"},
		{[]string{"import", "customers", good, "--config", cfgPath}, false, "试运行（未保存）：将新增 1"},
		{[]string{"import", "customers", good, "--config", cfgPath, "--commit"}, false, "已导入：新增 1，更新 0，未变 0"},
		{[]string{"import", "customers", good, "--config", cfgPath, "--commit"}, false, "已导入：新增 0，更新 0，未变 1"},
	}
	for _, tc := range cases {
		stdout.Reset()
		err := run(t.Context(), tc.args, &stdout, &stderr, env)
		if (err != nil) != tc.wantErr || !strings.Contains(stdout.String(), tc.want) {
			t.Fatalf("%v: err %v, output %q, want %q", tc.args[2:4], err, stdout.String(), tc.want)
		}
	}
	db, err := store.Open(t.Context(), dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cs, err := db.Customers(t.Context())
	if err != nil || len(cs) != 1 || cs[0].Name != "成都精工机械" {
		t.Fatalf("customers %+v %v", cs, err)
	}
}
