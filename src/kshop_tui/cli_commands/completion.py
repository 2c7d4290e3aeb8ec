"""`kshop completion bash|zsh|fish`: a completion script for the shell, written from the
command tree itself (`kshop_tui.cli_commands.build_parser`, `serve` included, and the
shop's own options), so it names every command and option there is and nothing else.
Nothing is downloaded; the script is printed for the user to source or install.

Each script finds where the words typed so far lead (`kshop orders list` → the node
"orders list", skipping each option's value), then offers that node's sub-commands, or
its options after a `-`, or an option's choices after the option.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from kshop_tui.cli_commands.output import Output
from kshop_tui.cli_commands.runtime import OK
from kshop_tui.cli_options import Parser, add_shop_options
from kshop_tui.i18n import t

if TYPE_CHECKING:
    from kshop_tui.cli_commands.runtime import Commands

SHELLS = ("bash", "zsh", "fish")


@dataclass
class Option:
    flags: list[str]
    takes_value: bool
    choices: list[str]
    help: str


@dataclass
class Node:
    """A command (the root is `kshop` itself): its options and its sub-commands."""

    path: str
    help: str = ""
    options: list[Option] = field(default_factory=list)
    commands: dict[str, Node] = field(default_factory=dict)
    values: list[str] = field(default_factory=list)
    """The choices of its positional arguments (`kshop completion bash|zsh|fish`)."""

    def words(self) -> list[str]:
        """What is offered where no `-` is typed: sub-commands, then positional choices."""
        return [*self.commands, *self.values]

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.commands.values():
            yield from child.walk()


def register(commands: Commands, command_parser: Callable[[], argparse.ArgumentParser]) -> None:
    """`command_parser` builds the whole tree (kshop_tui.cli_commands.build_parser)."""
    completion = commands.add_parser(
        "completion", help=t("cli.completion.help"), description=t("cli.completion.description")
    )
    completion.add_argument("shell", choices=SHELLS, help=t("cli.completion.shell"))
    completion.set_defaults(offline=partial(completion_command, command_parser=command_parser))


def completion_command(
    args: argparse.Namespace,
    out: Output,
    *,
    command_parser: Callable[[], argparse.ArgumentParser],
) -> int:
    tree = command_tree(command_parser())
    print(SCRIPTS[args.shell](tree), end="")
    return OK


def command_tree(commands: argparse.ArgumentParser) -> Node:
    """The tree under `commands`, with `kshop`'s own options (--version, --open) at its
    root as the `kshop` command line accepts them."""
    shop = Parser(prog="kshop", add_help=False)
    add_shop_options(shop)
    root = _node(commands, "", "")
    known = {flag for option in root.options for flag in option.flags}
    root.options += [option for option in _options(shop) if not known & set(option.flags)]
    return root


def _node(parser: argparse.ArgumentParser, path: str, help_text: str) -> Node:
    node = Node(path, help_text, _options(parser))
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, child in action.choices.items():
                child_path = f"{path} {name}".strip()
                node.commands[name] = _node(child, child_path, helps.get(name, ""))
        elif not action.option_strings and action.choices:
            node.values += [str(choice) for choice in action.choices]
    return node


def _options(parser: argparse.ArgumentParser) -> list[Option]:
    return [
        Option(
            flags=list(action.option_strings),
            takes_value=action.nargs != 0,
            choices=[str(choice) for choice in action.choices or ()],
            help=action.help or "",
        )
        for action in parser._actions
        if action.option_strings and action.help != argparse.SUPPRESS
    ]


def _words(words: list[str]) -> str:
    return shlex.quote(" ".join(words))


def _case_arms(arms: list[tuple[str, str]], indent: str) -> str:
    return "".join(f"{indent}{shlex.quote(key)}) {body};;\n" for key, body in arms)


def _value_options(tree: Node) -> list[tuple[str, Option]]:
    return [
        (node.path, option) for node in tree.walk() for option in node.options if option.takes_value
    ]


def bash_script(tree: Node) -> str:
    nodes = list(tree.walk())
    commands = [(node.path, f"echo {_words(node.words())}") for node in nodes]
    options = [
        (node.path, f"echo {_words([f for o in node.options for f in o.flags])}") for node in nodes
    ]
    takes = [(f"{path}|{flag}", "return 0") for path, option in _value_options(tree)
             for flag in option.flags]  # fmt: skip
    choices = [
        (f"{path}|{flag}", f"echo {_words(option.choices)}")
        for path, option in _value_options(tree)
        for flag in option.flags
        if option.choices
    ]
    return f"""# bash completion for kshop (kshop completion bash); from kshop's command tree.
_kshop_commands() {{
    case "$1" in
{_case_arms(commands, "        ")}    esac
}}
_kshop_options() {{
    case "$1" in
{_case_arms(options, "        ")}    esac
}}
_kshop_takes_value() {{
    case "$1|$2" in
{_case_arms(takes, "        ")}    esac
    return 1
}}
_kshop_choices() {{
    case "$1|$2" in
{_case_arms(choices, "        ")}    esac
}}
_kshop() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" node="" word sub i=1
    while [ "$i" -lt "$COMP_CWORD" ]; do
        word="${{COMP_WORDS[i]}}"
        if [[ "$word" == -* ]]; then
            if _kshop_takes_value "$node" "$word"; then i=$((i + 1)); fi
        else
            for sub in $(_kshop_commands "$node"); do
                if [ "$sub" = "$word" ]; then node="${{node:+$node }}$word"; break; fi
            done
        fi
        i=$((i + 1))
    done
    local prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    if [ "$COMP_CWORD" -gt 1 ] && [[ "$prev" == -* ]] && _kshop_takes_value "$node" "$prev"; then
        COMPREPLY=($(compgen -W "$(_kshop_choices "$node" "$prev")" -- "$cur"))
    elif [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$(_kshop_options "$node")" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$(_kshop_commands "$node")" -- "$cur"))
    fi
}}
complete -F _kshop kshop
"""


def _zsh_described(pairs: list[tuple[str, str]]) -> str:
    return " ".join(
        shlex.quote(f"{name.replace(':', chr(92) + ':')}:{text}") for name, text in pairs
    )


def zsh_script(tree: Node) -> str:
    nodes = list(tree.walk())
    names = [(node.path, f"reply=({' '.join(shlex.quote(n) for n in node.commands)})")
             for node in nodes]  # fmt: skip
    commands = [
        (
            node.path,
            "reply=("
            + _zsh_described(
                [(n, c.help) for n, c in node.commands.items()] + [(v, v) for v in node.values]
            )
            + ")",
        )
        for node in nodes
    ]
    options = [
        (
            node.path,
            "reply=("
            + _zsh_described(
                [(flag, option.help) for option in node.options for flag in option.flags]
            )
            + ")",
        )
        for node in nodes
    ]
    takes = [(f"{path}|{flag}", "return 0") for path, option in _value_options(tree)
             for flag in option.flags]  # fmt: skip
    choices = [
        (f"{path}|{flag}", f"reply=({' '.join(shlex.quote(c) for c in option.choices)})")
        for path, option in _value_options(tree)
        for flag in option.flags
        if option.choices
    ]
    return f"""#compdef kshop
# zsh completion for kshop (kshop completion zsh); from kshop's command tree.
_kshop_names() {{
    reply=()
    case "$1" in
{_case_arms(names, "        ")}    esac
}}
_kshop_commands() {{
    reply=()
    case "$1" in
{_case_arms(commands, "        ")}    esac
}}
_kshop_options() {{
    reply=()
    case "$1" in
{_case_arms(options, "        ")}    esac
}}
_kshop_takes_value() {{
    case "$1|$2" in
{_case_arms(takes, "        ")}    esac
    return 1
}}
_kshop_choices() {{
    reply=()
    case "$1|$2" in
{_case_arms(choices, "        ")}    esac
}}
_kshop() {{
    local node="" word i=2
    local -a reply
    while (( i < CURRENT )); do
        word=${{words[i]}}
        if [[ $word == -* ]]; then
            _kshop_takes_value "$node" "$word" && (( i++ ))
        else
            _kshop_names "$node"
            (( ${{reply[(Ie)$word]}} )) && node="${{node:+$node }}$word"
        fi
        (( i++ ))
    done
    local prev=${{words[CURRENT-1]}}
    if (( CURRENT > 2 )) && [[ $prev == -* ]] && _kshop_takes_value "$node" "$prev"; then
        _kshop_choices "$node" "$prev"
        (( ${{#reply}} )) && compadd -a reply || _default
    elif [[ ${{words[CURRENT]}} == -* ]]; then
        _kshop_options "$node"
        _describe -t options option reply
    else
        _kshop_commands "$node"
        _describe -t commands command reply
    fi
}}
if [ "$funcstack[1]" = "_kshop" ]; then
    _kshop "$@"
else
    compdef _kshop kshop
fi
"""


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def fish_script(tree: Node) -> str:
    nodes = list(tree.walk())
    names = "".join(
        f"        case {_fish_quote(node.path)}\n"
        f"            printf '%s\\n' {' '.join(_fish_quote(n) for n in node.commands)}\n"
        for node in nodes
        if node.commands
    )
    takes = " ".join(
        _fish_quote(f"{path}|{flag}")
        for path, option in _value_options(tree)
        for flag in option.flags
    )
    lines: list[str] = []
    for node in nodes:
        where = f"-n {_fish_quote('__kshop_at ' + _fish_quote(node.path))}"
        for name, child in node.commands.items():
            lines.append(
                f"complete -c kshop {where} -a {_fish_quote(name)} -d {_fish_quote(child.help)}"
            )
        for value in node.values:
            lines.append(f"complete -c kshop {where} -a {_fish_quote(value)}")
        for option in node.options:
            flags = " ".join(
                f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}"
                for flag in option.flags
            )
            value = ""
            if option.choices:
                value = f" -x -a {_fish_quote(' '.join(option.choices))}"
            elif option.takes_value:
                value = " -r"
            lines.append(f"complete -c kshop {where} {flags}{value} -d {_fish_quote(option.help)}")
    body = "\n".join(lines)
    return f"""# fish completion for kshop (kshop completion fish); from kshop's command tree.
function __kshop_names
    switch $argv[1]
{names}    end
end
function __kshop_takes_value
    contains -- "$argv[1]|$argv[2]" {takes}
end
function __kshop_node
    set -l words (commandline -opc)
    set -e words[1]
    set -l node ''
    set -l skip 0
    for word in $words
        if test $skip -eq 1
            set skip 0
            continue
        end
        if string match -q -- '-*' $word
            if __kshop_takes_value "$node" $word
                set skip 1
            end
            continue
        end
        if contains -- $word (__kshop_names "$node")
            set node (string trim -- "$node $word")
        end
    end
    echo $node
end
function __kshop_at
    set -l here (__kshop_node)
    test "$here" = "$argv[1]"
end
complete -c kshop -f
{body}
"""


SCRIPTS = {"bash": bash_script, "zsh": zsh_script, "fish": fish_script}
