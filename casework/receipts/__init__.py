"""Receipt codes and passphrases: the portal credentials the case team hands over and re-issues."""
