//go:build !race

package testmain

// raceDetector: the tests run under the race detector.
const raceDetector = false
