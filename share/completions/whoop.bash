# Bash completion for the whoop tools: whoop-auth, whoop-sync,
# whoop-export, whoop-revoke and whoop-import.
#
# Installed as bash-completion/completions/whoop-auth with the other four
# names linked to it, so that bash-completion loads it the first time any
# of them is completed.  Without bash-completion, source it from ~/.bashrc.
#
# Account ids come from `whoop-auth -l`, which needs no key and shows no
# secret; the columns of whoop-export -c from whoop-export itself.

_whoop_types='cycle recovery sleep workout body profile app_cycle app_sleep
    app_workout journal'
_whoop_sync_types='profile body cycle recovery sleep workout'

# The database named by -d on the line so far, if any.
_whoop_dbarg()
{
	local i
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} == -d ]]; then
			printf '%s\n' "${COMP_WORDS[i + 1]/#\~/$HOME}"
			return
		fi
	done
}

_whoop_accounts()
{
	local db
	db=$(_whoop_dbarg)
	whoop-auth -l ${db:+-d "$db"} 2>/dev/null |
	    awk -F '\t' 'NR > 1 && $1 ~ /^[0-9]+$/ { print $1 }'
}

# Complete the last item of a comma-separated list of the words in $1.
_whoop_list()
{
	local cur=$2 pre=
	if [[ $cur == *,* ]]; then
		pre=${cur%,*},
		cur=${cur##*,}
	fi
	COMPREPLY=($(compgen -P "$pre" -W "$1" -- "$cur"))
	compopt -o nospace 2>/dev/null
}

_whoop_files()
{
	compopt -o filenames 2>/dev/null
	COMPREPLY=($(compgen -f -- "$1"))
}

# Times for -s and -u: examples of each form; anything else is typed.
_whoop_times()
{
	COMPREPLY=($(compgen -W "now 12h 1d 7d 30d 1w $(date -u +%Y-%m-01 \
	    2>/dev/null)" -- "$1"))
}

_whoop_auth()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}

	COMPREPLY=()
	case $prev in
	-d)	_whoop_files "$cur"; return ;;
	-P|-t|-w)	return ;;
	esac
	COMPREPLY=($(compgen -W '-d -K -l -n -P -p -t -w --help --version' \
	    -- "$cur"))
}

_whoop_sync()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}

	COMPREPLY=()
	case $prev in
	-a)	COMPREPLY=($(compgen -W "$(_whoop_accounts)" -- "$cur"))
		return ;;
	-d)	_whoop_files "$cur"; return ;;
	-s)	_whoop_times "$cur"; return ;;
	-t)	_whoop_list "$_whoop_sync_types" "$cur"; return ;;
	-w)	return ;;
	esac
	COMPREPLY=($(compgen -W '-a -c -d -F -n -s -t -v -w --full --help
	    --version' -- "$cur"))
}

_whoop_export()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local i w type= cols

	COMPREPLY=()
	# The type named on the line, for -c.
	for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
		((i == COMP_CWORD)) && continue
		w=${COMP_WORDS[i]}
		case ${COMP_WORDS[i - 1]} in
		-a|-c|-d|-f|-s|-u) continue ;;
		esac
		[[ " $(echo $_whoop_types) " == *" $w "* ]] && type=$w
	done
	case $prev in
	-a)	COMPREPLY=($(compgen -W "$(_whoop_accounts)" -- "$cur"))
		return ;;
	-c)	# whoop-export lists the valid columns of a type when given
		# one that is not; no database is needed for that.
		[[ -n $type ]] || return
		cols=$(whoop-export -c '?' "$type" 2>&1 >/dev/null |
		    sed -n 's/.*; valid: //p' | tr -d ',')
		_whoop_list "$cols" "$cur"
		return ;;
	-d)	_whoop_files "$cur"; return ;;
	-f)	COMPREPLY=($(compgen -W 'csv tsv jsonl' -- "$cur")); return ;;
	-s|-u)	_whoop_times "$cur"; return ;;
	esac
	if [[ $cur == -* || -n $type ]]; then
		COMPREPLY=($(compgen -W '-a -c -d -F -f -s -u --help
		    --version' -- "$cur"))
	else
		COMPREPLY=($(compgen -W "$_whoop_types" -- "$cur"))
	fi
}

# whoop-revoke: its options as its --help lists them ("  -x arg  what"),
# so that this file need not change with it; -a and -d get accounts and
# files as for the other tools.
_whoop_revoke()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local help opts argopts

	COMPREPLY=()
	help=$(whoop-revoke --help 2>/dev/null)
	opts=$(printf '%s\n' "$help" |
	    awk '$1 ~ /^-[A-Za-z0-9]$/ { print $1 }')
	# "  -a account  what": an option with an argument.
	argopts=$(printf '%s\n' "$help" |
	    sed -En 's/^ +(-[A-Za-z0-9]) [a-z]+  .*/\1/p')
	case $prev in
	-a)	COMPREPLY=($(compgen -W "$(_whoop_accounts)" -- "$cur"))
		return ;;
	-d)	_whoop_files "$cur"; return ;;
	esac
	[[ " $(echo $argopts) " == *" $prev "* ]] && return
	COMPREPLY=($(compgen -W "$opts --help --version" -- "$cur"))
}

# whoop-import: options, then the export's ZIP, folder or CSV files.
_whoop_import()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}

	COMPREPLY=()
	case $prev in
	-a)	COMPREPLY=($(compgen -W "$(_whoop_accounts)" -- "$cur"))
		return ;;
	-d)	_whoop_files "$cur"; return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '-a -d -m -n -v --help --version' \
		    -- "$cur"))
	else
		_whoop_files "$cur"
	fi
}

complete -F _whoop_auth whoop-auth
complete -F _whoop_sync whoop-sync
complete -F _whoop_export whoop-export
complete -F _whoop_revoke whoop-revoke
complete -F _whoop_import whoop-import
