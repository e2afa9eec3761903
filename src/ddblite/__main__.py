from ddblite.cli import main

main()
