"""ClearCheck screening records: people separated for sexual harassment or who left with
allegations pending, kept minimal and encrypted, exported by authorised staff only."""
