#ifndef AG_TEST_MANIFEST_DOC_H
#define AG_TEST_MANIFEST_DOC_H

/* A valid manifest document for cluster `name` (a string literal), with
 * `extra` (more spec lines, "" for none) appended. */
#define DOC(name, extra)                                                                           \
	"apiVersion: aws.project-planton.org/v1\n"                                                 \
	"kind: AwsRdsCluster\n"                                                                    \
	"metadata:\n"                                                                              \
	"  name: " name "\n"                                                                       \
	"spec:\n"                                                                                  \
	"  subnetIds: [subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002]\n"                      \
	"  engine: aurora-postgresql\n"                                                            \
	"  engineVersion: \"16.1\"\n"                                                              \
	"  manageMasterUserPassword: true\n" extra

#endif
