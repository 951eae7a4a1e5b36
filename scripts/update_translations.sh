#!/bin/sh
# Re-extract the translatable texts, merge them into every catalog under webapp/translations
# and compile the .mo files that are shipped with the application.
#
#   scripts/update_translations.sh            # extract + update + compile
#   scripts/update_translations.sh --compile  # only compile (after editing a .po file)
#   scripts/update_translations.sh --init fr  # start a catalog for a new language, then update
#
# The msgids are the Simplified Chinese texts of the code (the default language needs no
# catalog). After updating, translate the new or fuzzy entries in the .po files, then run
# this script again (or with --compile); tests/test_i18n.py fails while a msgid is untranslated
# or a .mo is stale.
set -eu

cd "$(dirname "$0")/.."
if [ -x .venv/bin/pybabel ]; then
    PYBABEL=.venv/bin/pybabel
else
    PYBABEL=pybabel
fi
TRANSLATIONS=webapp/translations
POT="$TRANSLATIONS/messages.pot"

compile_all() {
    "$PYBABEL" compile --statistics -d "$TRANSLATIONS"
}

if [ "${1:-}" = "--compile" ]; then
    compile_all
    exit 0
fi

"$PYBABEL" extract -F babel.cfg -k _l -k lazy_gettext -k _lp:1c,2 -k lazy_pgettext:1c,2 --sort-by-file -w 120 \
    --add-comments=TRANSLATORS: --project="universal-insurance-registration" \
    --copyright-holder="" -o "$POT" .

if [ "${1:-}" = "--init" ]; then
    "$PYBABEL" init -i "$POT" -d "$TRANSLATIONS" -l "$2" -w 120
fi

"$PYBABEL" update -i "$POT" -d "$TRANSLATIONS" -w 120 --ignore-obsolete --no-fuzzy-matching
compile_all
