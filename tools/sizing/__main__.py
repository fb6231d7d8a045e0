import sys

from sizing import cli, validate

if sys.argv[1:2] == ["validate"]:
    sys.exit(validate.main(sys.argv[2:]))
sys.exit(cli.main())
