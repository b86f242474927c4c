package exec_test

func sleepersHelper(args []string) int { return 0 }
