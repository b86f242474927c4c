//go:build !(linux && (amd64 || arm64))

package rawsig

const supported = false

func install() error   { return ErrUnsupported }
func uninstall() error { return ErrNotInstalled }
func check() error     { return ErrNotInstalled }

func installedNow() bool { return false }

func checkFD(int32) error { return nil }
