package bridge

// Tick runs one mixing step (benchmarks).
func Tick(b *Bridge) { b.tick() }
