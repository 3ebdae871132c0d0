from bpt.tui.cli import main

main()
