//go:build race

package aftersales_test

// raceDetector: the race detector slows the property test's thousands of
// transactions ten-fold; under it a smaller sample checks for races, and CI
// runs the full sample without it (.ci/run).
const raceDetector = true
