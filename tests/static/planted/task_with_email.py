# Planted leak for the static-check tests: never imported, never run.
def plant(deliver, party, case):
    deliver.delay(case.id, party.email)
    deliver.apply_async(args=[case.id, "canary@example.org"])
