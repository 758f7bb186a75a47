from provider import program  # support-cases-as-code: one AWS Support case per file under cases/

program("cases")
