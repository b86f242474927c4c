package main

import (
	"os/exec"
	"strings"
)

// Most lines given to a runner are plain commands, `gzip -9 data/part.17`,
// for which `sh -c LINE` is one more process and one more exec (dash, unlike
// bash, does not exec the last command of -c in place of itself): on many
// short jobs the shell is most of the CPU time spent. Such a line is run
// directly, as sh would run it: the same argv, the program found in PATH
// as sh finds it, the same environment. What sh would treat differently is
// left to sh: any character with a meaning to it, a builtin or reserved
// word in the command position (echo, cd, exit, if, ...), a name PATH does
// not resolve, and a program the kernel refuses to exec (a script without
// #!, which sh runs itself).

// directArgs returns the argv of line when it can run without sh, nil
// otherwise: words of letters, digits and -_./,:+@%^ separated by blanks,
// the first one neither a builtin nor a reserved word of sh.
func directArgs(line string) []string {
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-_./,:+@%^ \t", c) >= 0:
		default:
			return nil
		}
	}
	argv := strings.Fields(line)
	if len(argv) == 0 || shellWords[argv[0]] {
		return nil
	}
	return argv
}

// shellWords are the words sh may not look up in PATH in the command
// position: POSIX sh's reserved words, dash's builtins, and bash's (the
// /bin/sh of some systems) beyond those.
var shellWords = map[string]bool{
	"!": true, "{": true, "}": true, "case": true, "do": true, "done": true, "elif": true, "else": true,
	"esac": true, "fi": true, "for": true, "if": true, "in": true, "then": true, "until": true, "while": true,

	".": true, ":": true, "[": true, "alias": true, "bg": true, "break": true, "cd": true, "chdir": true,
	"command": true, "continue": true, "echo": true, "eval": true, "exec": true, "exit": true,
	"export": true, "false": true, "fc": true, "fg": true, "getopts": true, "hash": true, "jobs": true,
	"kill": true, "local": true, "printf": true, "pwd": true, "read": true, "readonly": true,
	"return": true, "set": true, "shift": true, "test": true, "times": true, "trap": true, "true": true,
	"type": true, "ulimit": true, "umask": true, "unalias": true, "unset": true, "wait": true,

	"[[": true, "builtin": true, "caller": true, "compgen": true, "complete": true, "compopt": true,
	"coproc": true, "declare": true, "dirs": true, "disown": true, "enable": true, "function": true,
	"help": true, "history": true, "let": true, "logout": true, "mapfile": true, "popd": true,
	"pushd": true, "readarray": true, "select": true, "shopt": true, "source": true, "suspend": true,
	"time": true, "typeset": true,
}

// lookPath is a PATH lookup cache, sh's hash table: command name → path,
// "" when PATH does not resolve it (sh then says so). Owned by the loop
// goroutine.
type lookPath map[string]string

// find returns the program that argv[0] names, "" if sh should run the
// line instead.
func (lp lookPath) find(name string) string {
	if strings.Contains(name, "/") {
		return name // sh execs it as it is
	}
	path, ok := lp[name]
	if !ok {
		var err error
		if path, err = exec.LookPath(name); err != nil {
			path = "" // also for exec.ErrDot: a PATH entry of "." is sh's business
		}
		lp[name] = path
	}
	return path
}
