# The grouping higress-ai usage does (requests, errors, input and output tokens by consumer and
# model), in one jq process: the reference for scripts/bench-usage.sh. Unparseable lines are skipped;
# the consumer comes from ai_log, else from a top-level consumer field; a missing one is "".
def num: if type == "number" then . elif type == "string" then (tonumber? // 0) else 0 end;
reduce (inputs | fromjson? | objects
  | (.ai_log | if type == "string" then (fromjson? // null) elif type == "object" then . else null end) as $a
  | def name: select(type == "string" and . != "" and . != "-");
    {c: (($a.consumer? | name) // (.consumer | name) // ""),
     m: (($a.model? | name) // ""),
     i: ($a.input_token? | num), o: ($a.output_token? | num),
     e: (if ((.response_code // "0") | tonumber? // 0) >= 400 then 1 else 0 end)})
  as $r ({}; .[$r.c + "\t" + $r.m] |= {requests: ((.requests // 0) + 1), errors: ((.errors // 0) + $r.e),
     input_tokens: ((.input_tokens // 0) + $r.i), output_tokens: ((.output_tokens // 0) + $r.o)})
