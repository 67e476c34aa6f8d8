//go:build !race

package aftersales_test

const raceDetector = false
