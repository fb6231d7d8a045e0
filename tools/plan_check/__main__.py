from plan_check.cli import main

raise SystemExit(main())
