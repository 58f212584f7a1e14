export * from './campaign.entity';
export * from './job-template.entity';
export * from './scheduled-job.entity';
export * from './job.entity';
export * from './schedule-run.entity';
export * from './data-source';
export * from './job-config';
export * from './schedule-rule';
