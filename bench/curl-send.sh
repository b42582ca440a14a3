#!/usr/bin/env bash
# The shell way to notify HipChat (what the official hipchat-cli does): one curl process per
# notification, posting each stdin line as the JSON body to $URL with the token in a Bearer header.
# --fail makes a refused notification fail the run, as notifier's exit code would.
set -euo pipefail
while IFS= read -r body; do
  curl --silent --show-error --fail --output /dev/null --request POST \
    --header "Authorization: Bearer $HIPCHAT_TOKEN" --header 'Content-Type: application/json' \
    --data-binary "$body" "$URL"
done
