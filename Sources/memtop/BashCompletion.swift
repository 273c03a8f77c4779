import ArgumentParser

/// The bash completion script: swift-argument-parser's, plus a wrapper that completes
/// `memtop --pid <TAB>` and `memtop -p <TAB>` as the default subcommand (`monitor`) does.
enum BashCompletion {
  /// The script, when `arguments` ask for the bash one; nil otherwise (the parser answers).
  static func script(for arguments: [String]) -> String? {
    guard arguments == ["--generate-completion-script", "bash"] || arguments == ["--generate-completion-script=bash"]
    else { return nil }
    let subcommands = Memtop.configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
    let generated = Memtop.completionScript(for: .bash)
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
}
