package aftersales_test

import (
	"github.com/servicebot/servicebot/aftersales"
	"github.com/servicebot/servicebot/approvals"
	"github.com/servicebot/servicebot/store"
)

// The store's transaction is what both the approval engine and the service
// work write through (aftersales.asTx relies on it).
var (
	_ aftersales.Tx    = (*store.Tx)(nil)
	_ approvals.Tx     = (*store.Tx)(nil)
	_ aftersales.Store = (*store.DB)(nil)
)
