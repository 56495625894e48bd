#ifndef AG_AWS_AWS_H
#define AG_AWS_AWS_H

/*
 * The AWS layer in one include: configuration and the client
 * (aws/client.h), RDS operations and waiters (aws/rds.h), EC2 (aws/ec2.h),
 * STS (aws/sts.h), Query encoding (aws/query.h), XML access (aws/xml.h)
 * and the SigV4 signer (aws/sigv4.h). See docs/aws.md.
 */
#include "aws/autoscaling.h"
#include "aws/client.h"
#include "aws/ec2.h"
#include "aws/kms.h"
#include "aws/query.h"
#include "aws/rds.h"
#include "aws/sigv4.h"
#include "aws/sts.h"
#include "aws/xml.h"

#endif
