//go:build !linux

package rtprio

func enable(int) (int, error) { return 0, ErrUnsupported }

// Policy is not known on this system.
func Policy(int) (policy, priority int, err error) { return 0, 0, ErrUnsupported }
