//! Command-line parsing with CPython's conventions: options up to the first
//! of `-c CMD`, `-m MOD`, `-` or a script path; everything after it is the
//! program's `sys.argv[1:]`. Unknown options give CPython's usage error.

/// What to run.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// `mini FILE`
    File(String),
    /// `mini -c CMD`
    Command(String),
    /// `mini -m MOD`
    Module(String),
    /// `mini -` or no argument: the program comes from standard input
    /// (a REPL when stdin is a terminal).
    Stdin,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub target: Target,
    /// The program's arguments (becomes `sys.argv[1:]`).
    pub args: Vec<String>,
    /// `-i`: enter the REPL after running the program.
    pub inspect: bool,
    /// `--dis`: print the bytecode of FILE instead of running it.
    pub dis: bool,
    /// `-X NAME[=VALUE]` options in command-line order (`sys._xoptions`).
    pub xoptions: Vec<String>,
}

pub enum Parsed {
    Run(Options),
    /// Print this text on stdout and exit 0 (`-h`, `--version`).
    Print(String),
    /// A usage error: message for stderr, exit status 2.
    Usage(String),
}

pub const USAGE: &str = "usage: mini [option] ... [-c cmd | -m mod | file | -] [arg] ...";

pub fn help() -> String {
    format!(
        "{USAGE}
Options:
-c cmd : program passed in as string (terminates option list)
-h     : print this help message and exit (also -? or --help)
-i     : inspect interactively after running script
-m mod : run library module as a script (terminates option list)
-X opt : implementation-specific option (see README: legacy-finalizers,
         tracemalloc[=N], faulthandler); all are listed in sys._xoptions
-u     : unbuffered stdout and stderr (accepted; output is flushed at exit)
-B, -E, -s, -S, -O : accepted for compatibility, no effect
-V     : print the version number and exit (also --version)
--dis file : print the bytecode of file and exit
file   : program read from script file
-      : program read from stdin (default; interactive mode if a tty)
arg ...: arguments passed to program in sys.argv[1:]
"
    )
}

fn usage_error(msg: &str) -> Parsed {
    Parsed::Usage(format!(
        "{msg}\n{USAGE}\nTry `mini -h' for more information.\n"
    ))
}

pub fn parse(argv: &[String]) -> Parsed {
    let mut inspect = false;
    let mut dis = false;
    let mut xoptions = Vec::new();
    let mut i = 0;
    while i < argv.len() {
        let a = &argv[i];
        match a.as_str() {
            "-h" | "-?" | "--help" => return Parsed::Print(help()),
            "-V" | "--version" => {
                return Parsed::Print(format!("mini {}\n", env!("CARGO_PKG_VERSION")))
            }
            "--dis" => dis = true,
            "-" => return run(Target::Stdin, &argv[i + 1..], inspect, dis, xoptions, false),
            "--" => {
                i += 1;
                break;
            }
            _ if a.starts_with("--") => return usage_error(&format!("unknown option {a}")),
            _ if a.starts_with('-') => {
                // A cluster of single-letter flags, possibly ending in -c/-m.
                let chars: Vec<char> = a[1..].chars().collect();
                let mut k = 0;
                while k < chars.len() {
                    match chars[k] {
                        'i' => inspect = true,
                        'u' | 'B' | 'E' | 's' | 'S' | 'O' | 'q' | 'I' => {}
                        'h' | '?' => return Parsed::Print(help()),
                        'V' => {
                            return Parsed::Print(format!("mini {}\n", env!("CARGO_PKG_VERSION")))
                        }
                        'X' | 'W' => {
                            // Option with an argument: attached or next word
                            // (-W is accepted and ignored).
                            let value = if k + 1 == chars.len() {
                                i += 1;
                                if i >= argv.len() {
                                    return usage_error(&format!(
                                        "Argument expected for the -{} option",
                                        chars[k]
                                    ));
                                }
                                argv[i].clone()
                            } else {
                                chars[k + 1..].iter().collect()
                            };
                            if chars[k] == 'X' {
                                xoptions.push(value);
                            }
                            break;
                        }
                        c @ ('c' | 'm') => {
                            let rest: String = chars[k + 1..].iter().collect();
                            let (value, next) = if !rest.is_empty() {
                                (rest, i + 1)
                            } else if i + 1 < argv.len() {
                                (argv[i + 1].clone(), i + 2)
                            } else {
                                return usage_error(&format!(
                                    "Argument expected for the -{c} option"
                                ));
                            };
                            let target = if c == 'c' {
                                Target::Command(value)
                            } else {
                                Target::Module(value)
                            };
                            let mut args = vec![if c == 'c' {
                                "-c".to_string()
                            } else {
                                "-m".to_string()
                            }];
                            args.extend_from_slice(&argv[next..]);
                            return Parsed::Run(Options {
                                target,
                                args,
                                inspect,
                                dis,
                                xoptions,
                            });
                        }
                        other => return usage_error(&format!("Unknown option: -{other}")),
                    }
                    k += 1;
                }
            }
            _ => break,
        }
        i += 1;
    }
    if i >= argv.len() {
        return run(Target::Stdin, &[], inspect, dis, xoptions, true);
    }
    let file = argv[i].clone();
    let mut args = vec![file.clone()];
    args.extend_from_slice(&argv[i + 1..]);
    Parsed::Run(Options {
        target: Target::File(file),
        args,
        inspect,
        dis,
        xoptions,
    })
}

fn run(
    target: Target,
    rest: &[String],
    inspect: bool,
    dis: bool,
    xoptions: Vec<String>,
    implicit: bool,
) -> Parsed {
    let mut args = vec![if implicit {
        String::new()
    } else {
        "-".to_string()
    }];
    args.extend_from_slice(rest);
    Parsed::Run(Options {
        target,
        args,
        inspect,
        dis,
        xoptions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Parsed {
        parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn script_and_arguments() {
        let Parsed::Run(o) = p(&["-i", "x.mini", "-c", "y"]) else {
            panic!()
        };
        assert_eq!(o.target, Target::File("x.mini".into()));
        assert_eq!(o.args, vec!["x.mini", "-c", "y"]);
        assert!(o.inspect);
    }

    #[test]
    fn module_terminates_options() {
        let Parsed::Run(o) = p(&["-m", "cProfile", "-s", "cumtime", "app.mini"]) else {
            panic!()
        };
        assert_eq!(o.target, Target::Module("cProfile".into()));
        assert_eq!(o.args, vec!["-m", "-s", "cumtime", "app.mini"]);
    }

    #[test]
    fn attached_command() {
        let Parsed::Run(o) = p(&["-cprint(1)", "a"]) else {
            panic!()
        };
        assert_eq!(o.target, Target::Command("print(1)".into()));
        assert_eq!(o.args, vec!["-c", "a"]);
    }

    #[test]
    fn x_options_attached_and_separate() {
        let Parsed::Run(o) = p(&["-X", "legacy-finalizers", "-Xtracemalloc=5", "a.mini"]) else {
            panic!()
        };
        assert_eq!(o.xoptions, vec!["legacy-finalizers", "tracemalloc=5"]);
        assert_eq!(o.target, Target::File("a.mini".into()));
        assert!(matches!(p(&["-X"]), Parsed::Usage(_)));
    }

    #[test]
    fn errors() {
        assert!(matches!(p(&["-c"]), Parsed::Usage(_)));
        assert!(matches!(p(&["-Z"]), Parsed::Usage(_)));
        assert!(matches!(p(&["--bogus"]), Parsed::Usage(_)));
        assert!(matches!(
            p(&[]),
            Parsed::Run(Options {
                target: Target::Stdin,
                ..
            })
        ));
    }
}
