"""Python UDFs for the transforms: zone tagging, datelines and the text normalisation they share."""
