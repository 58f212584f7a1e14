// `npm run migrate`: creates the configured database when missing and applies migrations.
const { loadConfigOrExit } = require('../packages/config/dist');
const { prepareDatabase } = require('../packages/entities/dist');

prepareDatabase(loadConfigOrExit(process.env).databaseUrl)
  .then((applied) => {
    console.log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Database is up to date');
  })
  .catch((error) => {
    console.error(error.message || error);
    process.exit(1);
  });
