"""`garant` as a Python file for `spark-submit`, which runs `.py` files only:

    spark-submit --master spark://host:7077 \\
        "$(python -c 'import garant.batch.engines.spark_submit as m; print(m.__file__)')" \\
        run PRODUCT CLAIMS -o OUT --engine spark

The arguments are those of the `garant` command; `--engine spark` then
uses the session spark-submit configured (its master, its conf).
"""

if __name__ == "__main__":
    from garant.cli import main

    main()
