"""`python -m garant …`: the `garant` command, as a module; also the Python
file `spark-submit` needs (it runs `.py` files only):

    spark-submit --master spark://host:7077 \\
        "$(python -c 'import garant.__main__ as m; print(m.__file__)')" \\
        run PRODUCT CLAIMS -o OUT --engine spark

The arguments are those of the `garant` command; `--engine spark` then
uses the session spark-submit configured (its master, its conf). This
launcher is the only module that imports the CLI.
"""

if __name__ == "__main__":
    from garant.cli import main

    main()
