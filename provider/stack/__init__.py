"""The Pulumi shell: the program that declares one resource per case file, and the dynamic provider."""
