"""N import lines of generated credentials, as the vault benchmarks use: python3 src/bench/tokens.py N > tokens.jsonl"""
import json
import sys

for i in range(int(sys.argv[1])):
    print(json.dumps({"provider": ["slack", "google", "jira"][i % 3], "user": f"user{i}@example.com",
                      "access_token": f"tok-{i:08d}-" + "a" * 40, "refresh_token": f"ref-{i:08d}-" + "b" * 40,
                      "expires_in": 3600, "refresh_expires_in": 7776000, "scopes": ["read", "write"],
                      "metadata": {"team": "T0123"}}))
