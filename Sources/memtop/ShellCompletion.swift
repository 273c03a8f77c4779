import ArgumentParser

/// The completion scripts: swift-argument-parser's, plus what makes `memtop --pid <TAB>` and
/// `memtop -p <TAB>` (no subcommand: the default, `monitor`) complete process ids in bash, zsh
/// and fish, as `memtop monitor --pid <TAB>` does.
enum ShellCompletion {
  /// The script, when `arguments` ask for the bash, zsh or fish one; nil otherwise (the
  /// parser answers).
  static func script(for arguments: [String]) -> String? {
    let shell: CompletionShell
    switch arguments {
    case ["--generate-completion-script", "bash"], ["--generate-completion-script=bash"]: shell = .bash
    case ["--generate-completion-script", "zsh"], ["--generate-completion-script=zsh"]: shell = .zsh
    case ["--generate-completion-script", "fish"], ["--generate-completion-script=fish"]: shell = .fish
    default: return nil
    }
    let generated = Memtop.completionScript(for: shell)
    switch shell {
    case .bash: return bash(generated)
    case .zsh: return zsh(generated)
    case .fish: return fish(generated)
    default: return generated
    }
  }

  /// The subcommands' names, `help` included.
  static var subcommands: [String] {
    Memtop.configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
  }

  /// bash: a wrapper inserts `monitor` into the words when no subcommand was typed.
  static func bash(_ generated: String) -> String {
    let registration = "complete -o filenames -F _memtop memtop"
    guard generated.contains(registration) else { return generated }
    let wrapper = """
      # With no subcommand, words are the live view's (monitor is the default subcommand):
      # complete them as if `monitor` had been typed.
      _memtop_default() {
          local first="${COMP_WORDS[1]:-}"
          case "${first}" in
          \(subcommands.joined(separator: "|")))
              _memtop "$@"
              return
              ;;
          esac
          if (( COMP_CWORD == 1 )) && [[ "${2}" != -* ]]; then
              _memtop "$@"
              return
          fi
          local -a COMP_WORDS=("${COMP_WORDS[0]}" monitor "${COMP_WORDS[@]:1}")
          local COMP_CWORD=$((COMP_CWORD + 1))
          local head="${COMP_LINE%%[[:space:]]*}"
          local COMP_LINE="${head} monitor${COMP_LINE:${#head}}"
          local COMP_POINT=$((COMP_POINT + 8))
          local prev="${3}"
          if (( COMP_CWORD == 2 )); then prev=monitor; fi
          _memtop "${1}" "${2}" "${prev}"
      }
      complete -o filenames -F _memtop_default memtop

      """
    return generated.replacingOccurrences(of: registration + "\n", with: "").replacingOccurrences(
      of: registration, with: "") + wrapper
  }

  /// zsh: the generated `_memtop` becomes `_memtop_main`, and `_memtop` (the name compinit
  /// loads the file under) inserts `monitor` into the words when no subcommand was typed.
  static func zsh(_ generated: String) -> String {
    let definition = "\n_memtop() {\n"
    guard generated.contains(definition) else { return generated }
    let wrapper = """

      # With no subcommand, words are the live view's (monitor is the default subcommand):
      # complete them as if `monitor` had been typed.
      _memtop() {
          case "${words[2]}" in
          \(subcommands.joined(separator: "|")))
              _memtop_main "${@}"
              return
              ;;
          esac
          if (( CURRENT == 2 )) && [[ "${words[2]}" != -* ]]; then
              _memtop_main "${@}"
              return
          fi
          words=("${words[1]}" monitor "${(@)words[2,-1]}")
          (( CURRENT++ ))
          _memtop_main "${@}"
      }

      """
    let renamed = generated.replacingOccurrences(of: definition, with: "\n_memtop_main() {\n")
    // The wrapper goes before the lines that run or register `_memtop` at the end.
    guard let tail = renamed.range(of: "\nif [[ \"${funcstack[1]}\" = _memtop ]]") else { return renamed + wrapper }
    return String(renamed[..<tail.lowerBound]) + "\n" + wrapper + String(renamed[tail.lowerBound...])
  }

  /// fish: `-p` and `--pid` are offered with no subcommand too, completed by the same
  /// process-id completion as `monitor --pid`.
  static func fish(_ generated: String) -> String {
    let monitorPID =
      "complete -c 'memtop' -n '__memtop_should_offer_completions_for_flags_or_options \"memtop monitor\" p pid'"
    guard let line = generated.split(separator: "\n").first(where: { $0.hasPrefix(monitorPID) }) else {
      return generated
    }
    let topLevel = line.replacingOccurrences(of: "\"memtop monitor\" p pid", with: "\"memtop\" p pid")
    return generated + (generated.hasSuffix("\n") ? "" : "\n") + """
      # With no subcommand, memtop's options are the live view's (monitor is the default
      # subcommand): -p and --pid complete process ids there too.
      \(topLevel)

      """
  }
}
